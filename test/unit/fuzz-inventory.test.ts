// Issue 21, item 4: generated inventories and flag sets through everything a run does before its first
// connection (parseCli, then runInputs: loading, --limit, recipes, vars and the recipes' preflight, secrets).
// Every case ends in an exit-2 error that names where the problem is (file and field, line:column, a flag or
// an environment variable), or in a plan whose hosts are the inventory's; never another exception. Nothing is
// connected to: fetch (the pinned repository key's download) is replaced by one that refuses.
// The count: HAFORGE_FUZZ_RUNS (default 400, for npm test; `npm run fuzz` runs 12,000). The slowest case is measured
// and printed, never asserted (a timed assertion would flake on a loaded machine).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import * as catalogue from '../../recipes/index.js';
import { parseCli } from '../../runner/cli/args.js';
import { UsageError } from '../../runner/cli/errors.js';
import { runInputs } from '../../runner/cli/run-inputs.js';
import { PlanError } from '../../runner/engine/planner.js';
import { InventoryError, LimitError } from '../../runner/inventory/index.js';
import { Redactor } from '../../runner/report/redact.js';

const RUNS = Number(process.env.HAFORGE_FUZZ_RUNS ?? 400);
const SEED = process.env.HAFORGE_FUZZ_SEED === undefined ? undefined : Number(process.env.HAFORGE_FUZZ_SEED);

// Made at load time: the generators below name these files.
const dir = mkdtempSync(path.join(tmpdir(), 'haforge-fuzz-'));
const inventoryFile = path.join(dir, 'inventory.yaml');
const keyFile = path.join(dir, 'id_ed25519');
const knownHosts = path.join(dir, 'known_hosts');
const notPem = path.join(dir, 'not-a-pem.txt');
const fetched: string[] = [];

beforeAll(() => {
  writeFileSync(keyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nfuzz\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
  writeFileSync(knownHosts, '');
  writeFileSync(notPem, 'hello\n');
  vi.stubGlobal('fetch', (url: unknown) => {
    fetched.push(String(url));
    return Promise.reject(new Error('no network in the fuzz test'));
  });
});

afterAll(() => {
  vi.unstubAllGlobals();
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- values

const CONTROL = fc.constantFrom('\n', '\r', '\t', '\0', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\ud800');
/** Text a person or an attacker might put anywhere: Unicode, control characters, YAML's own syntax. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 8 }), CONTROL, fc.string({ maxLength: 8 })).map(([a, c, b]) => a + c + b),
  fc.constantFrom('', ' ', 'yes', 'no', '~', 'null', '0x1F', '1e9', '-1', '.inf', '*', '!', '&a', '*a', '"', "'", '#', 'a: b', '[', '{', '%', '@', '`', '$(id)', '; rm -rf /', '../../etc/passwd', 'é', '日本', '😀', 'ǅ'),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'x'.repeat(n)),
);
const anyScalar = fc.oneof(nastyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map((b) => Number(b)));
/** Lists and mappings, nested up to 200 levels (a "deep" value). */
const deep = fc.integer({ min: 1, max: 200 }).chain((n) =>
  fc.oneof(fc.constant(n), anyScalar).map((leaf) => {
    let v: unknown = leaf;
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { k: v };
    return v;
  }),
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: anyScalar },
  { weight: 2, arbitrary: fc.array(anyScalar, { maxLength: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(nastyString, anyScalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: deep },
);

const paths = () => fc.constantFrom(keyFile, knownHosts, notPem, '/nonexistent/file', dir, 'relative/file.pem', '~/x.pem', 'https://example.invalid/key.gpg', 'http://example.invalid/key.gpg', 'ftp://x/y');

/**
 * The generators come in two strengths: j = 0 makes only well-formed values (valid inventories, so that plans
 * are made and checked too), j > 0 puts junk in any field with weight j against 12.
 */
const or = <T,>(j: number, good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => (j ? fc.oneof({ weight: 12, arbitrary: good }, { weight: j, arbitrary: junk }) : good);

/** A value of the right kind for an option, or near it (edges of ranges, choices, patterns). */
function valueFor(o: (typeof allOptions)[number], j: number): fc.Arbitrary<unknown> {
  const right: fc.Arbitrary<unknown>[] =
    o.type === 'boolean'
      ? [fc.boolean()]
      : o.type === 'number'
        ? j
          ? [fc.integer({ min: Math.ceil(o.min ?? 0) - 1, max: Math.floor(Math.min(o.max ?? 100_000, 100_000)) + 1 }), fc.constantFrom(o.min ?? 0, o.max ?? 2 ** 53, 0.5, -0)]
          : // Integers inside the bounds are valid for fractional options too (vrrp_advert_int: 0.01-255).
            [fc.integer({ min: Math.ceil(o.min ?? 0), max: Math.floor(Math.min(o.max ?? 100_000, 100_000)) })]
        : o.choices
          ? [fc.constantFrom(...o.choices)]
          : o.file
            ? [j ? paths() : fc.constant(notPem)]
            : [fc.constantFrom(...(GOOD_STRINGS[o.name] ?? ['3.2'])), ...(j ? [fc.constantFrom('*', '10.0.0.1', '::1', 'A'.repeat(40), 'main', 'bookworm')] : [])];
  return or(j, fc.oneof(...right));
}
const GOOD_STRINGS: Record<string, string[]> = {
  cookie_name: ['SERVERID', 'JSESSIONID'],
  stats_user: ['admin', 'ops.team'],
  haproxy_version: ['3.2', '2.8'],
  haproxy_repo_url: ['https://haproxy.debian.net', 'https://example.invalid/debian'],
  haproxy_repo_suite: ['bookworm-backports-3.2'],
  haproxy_repo_component: ['main'],
  haproxy_repo_key_fingerprint: ['AABBCCDDEEFF00112233445566778899AABBCCDD'],
  bind_address: ['*', '10.0.0.1', '::'],
};

const allOptions = [...catalogue.options, ...catalogue.hostVars];
// Vars that change which hosts a plan needs (https_cert and the repository key read files; fine either way).
const varName = (j: number) =>
  j
    ? fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom(...allOptions.map((o) => o.name)) },
        { weight: 1, arbitrary: fc.constantFrom('persistance', 'https_crt', 'stats_pass', 'stats_password', 'unknown_thing', 'web_prot') },
        { weight: 1, arbitrary: nastyString },
      )
    : fc.constantFrom(...allOptions.filter((o) => !o.name.startsWith('haproxy_') && !o.file).map((o) => o.name));
const vars = (j: number) =>
  fc
    .uniqueArray(varName(j), { maxLength: 5 })
    .chain((names) =>
      fc.tuple(
        ...names.map((n) => {
          const o = allOptions.find((x) => x.name === n);
          return (o ? valueFor(o, j) : junk).map((v) => [n, v] as const);
        }),
      ),
    )
    .map((pairs) => Object.fromEntries(pairs));

const address = (j: number) =>
  or(
    j,
    fc.oneof(
      { weight: 6, arbitrary: fc.ipV4() },
      { weight: 1, arbitrary: fc.ipV6() },
      { weight: 1, arbitrary: fc.domain() },
      ...(j ? [{ weight: 1, arbitrary: fc.constantFrom('300.1.2.3', 'lb 1', '-x', 'a..b', '') }] : []),
    ),
  );
const sshFields = (j: number) => ({
  user: or(j, fc.constantFrom('root', 'admin', 'deploy')),
  port: or(j, j ? fc.integer({ min: 0, max: 70_000 }) : fc.integer({ min: 1, max: 65535 })),
  key: or(j, j ? fc.oneof({ weight: 4, arbitrary: fc.constant(keyFile) }, paths()) : fc.constant(keyFile)),
  agent: or(j, fc.boolean()),
  password_env: or(j, fc.constantFrom('HAFORGE_SSH_PASSWORD', 'X', '1BAD')),
  password: or(j, fc.constantFrom('inline-pw')),
  sudo: or(j, fc.oneof(fc.boolean(), fc.constantFrom('yes', 'no'))),
  sudo_password_env: or(j, fc.constantFrom('HAFORGE_SUDO_PASSWORD', 'UNSET_VAR')),
});
/** Well-formed SSH settings: one login method (a key, or a password from the environment), sudo for a
 * non-root user with its password variable. */
const cleanSsh = fc.oneof(
  fc.record({ user: fc.constant('root'), port: fc.integer({ min: 1, max: 65535 }), key: fc.constant(keyFile) }, { requiredKeys: ['key'] }),
  fc.record({ user: fc.constantFrom('admin', 'deploy'), key: fc.constant(keyFile), sudo: fc.constant(true), sudo_password_env: fc.constant('HAFORGE_SUDO_PASSWORD') }, { requiredKeys: ['user', 'key'] }),
  fc.record({ user: fc.constant('root'), password_env: fc.constant('HAFORGE_SSH_PASSWORD') }),
);
const ssh = (j: number) => (j ? fc.record(sshFields(j), { requiredKeys: [] }) : fc.oneof(fc.constant({}), cleanSsh));
const host = (j: number) =>
  fc.tuple(fc.record({ address: address(j), vars: vars(j) }, { requiredKeys: ['address'] }), ssh(j)).map(([h, s]) => ({ ...h, ...s }));
const hostName = (j: number, role: 'lb' | 'web') =>
  j ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom('lb1', 'lb2', 'web1', 'web2', 'web3') }, { weight: 1, arbitrary: nastyString }) : fc.constantFrom(...(role === 'lb' ? ['lb1', 'lb2'] : ['web1', 'web2', 'web3']));
const hosts = (j: number, role: 'lb' | 'web') =>
  fc.dictionary(hostName(j, role), j ? fc.oneof({ weight: 8, arbitrary: host(j) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junk }) : host(j), { minKeys: j ? 0 : 1, maxKeys: 4 });
const group = (j: number, role: 'lb' | 'web' = 'web') =>
  fc.record(
    {
      hosts: or(j, hosts(j, role)),
      vars: vars(j),
      ssh: ssh(j),
      serial: or(j, j ? fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom('50%', '0%', '101%', '3')) : fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom('50%', '100%'))),
      max_fail_percentage: or(j, j ? fc.integer({ min: -1, max: 101 }) : fc.integer({ min: 0, max: 100 })),
    },
    { requiredKeys: ['hosts'] },
  );
const inventoryDoc = (j: number) =>
  fc
    .record(
      {
        groups: j
          ? fc.oneof(
              { weight: 8, arbitrary: fc.record({ lb: group(j, 'lb'), web: group(j) }, { requiredKeys: [] }) },
              { weight: 1, arbitrary: fc.dictionary(nastyString, group(j), { maxKeys: 3 }) },
              { weight: 1, arbitrary: junk },
            )
          : fc.record({ lb: group(j, 'lb'), web: group(j) }),
        vars: vars(j),
        // Clean ones always give a login here, for hosts that give none.
        ssh: fc.tuple(j ? ssh(j) : cleanSsh, or(j, fc.constant(knownHosts))).map(([s, known_hosts]) => ({ ...(s as object), known_hosts })),
      },
      { requiredKeys: ['groups'] },
    )
    // An unknown top-level key under any name, sometimes.
    .chain((d) => (j ? fc.oneof(fc.constant(d), fc.tuple(nastyString, junk).map(([k, v]) => ({ ...d, [k]: v }))) : fc.constant(d)));
const document: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: inventoryDoc(0) },
  { weight: 8, arbitrary: inventoryDoc(1) },
  { weight: 2, arbitrary: inventoryDoc(6) },
  { weight: 1, arbitrary: junk },
);

// ---------------------------------------------------------------- the file's text

/** YAML or JSON of the document, then perhaps broken: cut, spliced, tabbed, aliased, tagged, made huge. */
const fileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(document, fc.boolean()).map(([d, json]) => (json ? JSON.stringify(d) ?? 'null' : stringify(d))) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(document.map((d) => stringify(d)), fc.nat(), fc.constantFrom('cut', 'insert', 'tab', 'dup', 'bom', 'crlf'), fc.oneof(nastyString, CONTROL))
      .map(([text, at, how, s]) => {
        const i = text.length ? at % text.length : 0;
        if (how === 'cut') return text.slice(0, i);
        if (how === 'insert') return text.slice(0, i) + s + text.slice(i);
        if (how === 'tab') return text.replace(/^ {2}/m, '\t');
        if (how === 'dup') return text + text.split('\n').slice(0, 3).join('\n');
        if (how === 'bom') return `\ufeff${text}`;
        return text.replaceAll('\n', '\r\n');
      }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      // Aliases that expand exponentially ("billion laughs"), anchors to nothing, tags, merge keys, a document stream.
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\ngroups: {}\n',
      'groups:\n  lb:\n    hosts:\n      lb1: &h { address: 10.0.0.1 }\n  web:\n    hosts:\n      web1: *h\n',
      'groups: *nothing\n',
      'groups: !!binary aGVsbG8=\n',
      'groups: !custom { lb: {} }\n',
      'vars: { <<: { php: true } }\ngroups: { lb: { hosts: { lb1: { address: 10.0.0.1 } } }, web: { hosts: { web1: { address: 10.0.0.2 } } } }\n',
      '---\ngroups: {}\n---\ngroups: {}\n',
      '? [a, b]\n: c\n',
      `${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      `${'- '.repeat(3000)}x\n`,
      '%YAML 1.1\n---\ngroups: yes\n',
      '',
      '\0\0\0',
    ),
  },
  { weight: 3, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })) },
  // Around the 256 KB limit, and far over it (10 MB).
  {
    weight: 1,
    arbitrary: fc.constantFrom(250 << 10, (256 << 10) + 1, 10 << 20).map(
      (n) => `groups:\n  lb:\n    hosts:\n      lb1: { address: 10.0.0.1 }\n  web:\n    hosts:\n      web1: { address: 10.0.0.2 }\nvars:\n  stats_user: "${'a'.repeat(n - 120)}"\n`,
    ),
  },
);

// ---------------------------------------------------------------- the flags

const flagWord = (name: string) => `--${name.replaceAll('_', '-')}`;
const optionFlags = fc.constantFrom(...catalogue.options).chain((o) =>
  o.type === 'boolean'
    ? fc.constantFrom<string[]>([flagWord(o.name)], [`--no-${o.name.replaceAll('_', '-')}`], [flagWord(o.name), 'extra'])
    : fc.oneof({ weight: 3, arbitrary: valueFor(o, 0) }, { weight: 1, arbitrary: valueFor(o, 1) }, { weight: 1, arbitrary: nastyString }).map((v) => [flagWord(o.name), typeof v === 'string' ? v : JSON.stringify(v) ?? '']),
);
const limitPattern = fc.oneof(
  fc.constantFrom('lb', 'web', 'web1', 'lb1,web2', '*', 'web*', '!web1', 'nothing', '', ',', 'a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'),
  nastyString,
);
const runFlags = fc.oneof(
  { weight: 6, arbitrary: optionFlags },
  { weight: 2, arbitrary: limitPattern.map((p) => ['--limit', p]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('--serial', '--max-fail-percentage', '--concurrency', '--connect-timeout', '--command-timeout', '--keep-connections'), fc.oneof(fc.constantFrom('1', '50%', '0', '-1', '1e3', '100%', '101'), nastyString)).map((t) => [...t]) },
  { weight: 1, arbitrary: fc.constantFrom(['--dry-run'], ['--json'], ['--verbose'], ['--yes'], ['--with-deps'], ['--accept-new-host-keys'], ['--json', '--verbose'], ['--bogus'], ['-x'], ['--stats-password', 'pw'], ['--stats-password-file', '/nonexistent']) },
  { weight: 1, arbitrary: nastyString.map((s) => [s]) },
);
const argv = fc.tuple(
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom('up', 'check', 'verify', 'run') }, { weight: 1, arbitrary: nastyString }),
  fc.array(fc.oneof(fc.constantFrom(...catalogue.recipes.map((r) => r.name)), fc.constantFrom('nosuch', 'verify')), { maxLength: 2 }),
  fc.array(runFlags, { maxLength: 3 }),
).map(([command, recipes, flags]) => [command, ...(command === 'run' ? recipes : []), ...flags.flat()]);

const environment = fc.record({
  HAFORGE_STATS_PASSWORD: fc.oneof({ weight: 4, arbitrary: fc.constant('fuzz-Stats.1') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: nastyString }),
  HAFORGE_SSH_PASSWORD: fc.oneof({ weight: 4, arbitrary: fc.constant('pw') }, { weight: 1, arbitrary: fc.constant(undefined) }),
  HAFORGE_SUDO_PASSWORD: fc.oneof({ weight: 4, arbitrary: fc.constant('pw') }, { weight: 1, arbitrary: fc.constant(undefined) }),
});

/** A run a careful user would type: a clean inventory, real recipes, good flag values, the secrets set. */
const cleanCase = fc.tuple(
  inventoryDoc(0).map((d) => stringify(d)),
  fc
    .tuple(
      fc.constantFrom('up', 'check', 'verify', 'run'),
      fc.uniqueArray(fc.constantFrom(...catalogue.recipes.map((r) => r.name)), { minLength: 1, maxLength: 2 }),
      fc.array(fc.oneof(fc.constantFrom(['--limit', 'lb'], ['--limit', 'web'], ['--limit', 'web*,lb1'], ['--dry-run'], ['--serial', '50%']), optionFlags), { maxLength: 2 }),
    )
    .map(([command, recipes, flags]) => [command, ...(command === 'run' ? recipes : []), ...flags.flat()]),
  fc.constant({ HAFORGE_STATS_PASSWORD: 'fuzz-Stats.1', HAFORGE_SSH_PASSWORD: 'pw', HAFORGE_SUDO_PASSWORD: 'pw' }),
);
const anyCase = fc.oneof({ weight: 1, arbitrary: cleanCase }, { weight: 3, arbitrary: fc.tuple(fileText, argv, environment) });

// ---------------------------------------------------------------- the property

type Outcome = { kind: 'plan'; hosts: number } | { kind: 'exit2'; message: string } | { kind: 'other' };

/** Where a message says the problem is: the inventory file (with field or line:column), a flag, a command
 * word, or the environment variable that supplies a secret. */
function namesAPlace(message: string): boolean {
  const first = message.split('\n')[0]!;
  return (
    first.startsWith(`${inventoryFile}:`) ||
    // A flag, also in node's parseArgs wording ("Option '--balance' argument is ambiguous").
    /(^|[\s'"])--?[a-z]/.test(first) ||
    /^(unknown command|unexpected argument|`haforge run` needs|unknown recipe|--with-deps)/.test(first) ||
    /: set HAFORGE_[A-Z_]+ /.test(first)
  );
}

async function runCase(text: string, args: string[], env: Record<string, string | undefined>): Promise<Outcome> {
  writeFileSync(inventoryFile, text);
  try {
    const { command, rest, options } = parseCli([...args, '-i', inventoryFile], catalogue.options, catalogue.secrets);
    if (command !== 'up' && command !== 'check' && command !== 'verify' && command !== 'run') return { kind: 'other' }; // help, version, list...: nothing is loaded
    // json: warnings are not printed (the report would carry them).
    const o = { ...options, json: true };
    const plan = await runInputs({ command, recipeNames: rest, options: o, catalogue, env: { ...env, SSH_AUTH_SOCK: undefined }, noPromptReason: 'fuzz' }, o, new Redactor());
    // A valid plan: hosts of this inventory, each with an address and a login, and the recipes to run.
    expect(plan.hosts.length).toBeGreaterThan(0);
    for (const h of plan.hosts) {
      expect(plan.inventory.hosts).toContain(h);
      expect(h.address).toMatch(/\S/);
    }
    expect(plan.recipes.length).toBeGreaterThan(0);
    return { kind: 'plan', hosts: plan.hosts.length };
  } catch (err) {
    // The only way out: bad input, exit 2, said where.
    const known = err instanceof InventoryError || err instanceof UsageError || err instanceof LimitError || err instanceof PlanError;
    if (!known || (err as { exitCode?: unknown }).exitCode !== 2) throw err;
    const message = (err as Error).message;
    if (!namesAPlace(message)) throw new Error(`an exit-2 message that names no field, flag or variable: ${JSON.stringify(message)}`);
    return { kind: 'exit2', message };
  }
}

describe('fuzzing: generated inventories and flag sets, loaded and planned with no connection', () => {
  test(`${RUNS} cases: exit 2 naming the field, or a valid plan; never another exception`, async () => {
    const counts = { plan: 0, exit2: 0, other: 0 };
    const byKind = new Map<string, number>();
    let slowest = { ms: 0, size: 0, args: [] as string[], outcome: '' };
    await fc.assert(
      fc.asyncProperty(anyCase, async ([text, args, env]) => {
        const t0 = performance.now();
        const outcome = await runCase(text, args, env);
        const ms = performance.now() - t0;
        counts[outcome.kind]++;
        if (outcome.kind === 'exit2') {
          const kind = outcome.message.replace(inventoryFile, 'FILE').replace(/^(FILE(:\d+:\d+)?: [^:]*|--[a-z-]+|[^:]+).*$/s, '$1').slice(0, 60);
          byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
        }
        if (ms > slowest.ms) slowest = { ms, size: text.length, args, outcome: outcome.kind === 'exit2' ? outcome.message.slice(0, 120) : outcome.kind };
      }),
      {
        numRuns: RUNS,
        seed: SEED,
        endOnFailure: true,
        // The counterexample may be a 10 MB file: its start and the seed (HAFORGE_FUZZ_SEED) to replay it.
        reporter: (r) => {
          if (!r.failed) return;
          const shown = JSON.stringify(r.counterexample, (_k, v: unknown) => (typeof v === 'string' && v.length > 400 ? `${v.slice(0, 400)}...(${v.length} chars)` : v));
          throw new Error(`fuzz case failed (seed ${r.seed}, path ${r.counterexamplePath ?? '?'}): ${String(r.errorInstance)}\n${shown.slice(0, 4000)}`);
        },
      },
    );
    const top = [...byKind].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${n} ${k}`);
    process.stderr.write(
      `[fuzz] ${RUNS} cases: ${counts.plan} valid plans, ${counts.exit2} exit 2, ${counts.other} other commands; fetch attempts refused: ${fetched.length}\n` +
        `[fuzz] slowest case ${slowest.ms.toFixed(1)} ms (file ${slowest.size} bytes, argv ${JSON.stringify(slowest.args).slice(0, 200)}): ${slowest.outcome}\n` +
        `[fuzz] most frequent exit-2 places: ${top.join('; ')}\n`,
    );
    // Both outcomes occur in numbers: a generator that only ever produced rubbish would prove little.
    expect(counts.plan).toBeGreaterThan(RUNS / 50);
    expect(counts.exit2).toBeGreaterThan(RUNS / 2);
  }, 60_000 + RUNS * 250); // about 5 ms a case on an idle 2-CPU machine, 50 ms when it is shared

  test('found by it: a key or known_hosts path the system cannot stat (too long, through a file) is the field\'s problem, not ENAMETOOLONG', async () => {
    for (const [field, value] of [['key', `/tmp/${'x'.repeat(5000)}`], ['key', `${notPem}/id`], ['known_hosts', `/tmp/${'y'.repeat(5000)}/known_hosts`]] as const) {
      writeFileSync(inventoryFile, stringify({ ssh: { key: keyFile, [field]: value }, groups: { lb: { hosts: { lb1: { address: '10.0.0.1' } } }, web: { hosts: { web1: { address: '10.0.0.2' } } } } }));
      const { options } = parseCli(['check', '-i', inventoryFile], catalogue.options, catalogue.secrets);
      await expect(runInputs({ command: 'check', options, catalogue, env: {} }, { ...options, json: true }, new Redactor())).rejects.toThrow(
        new RegExp(`^${inventoryFile.replaceAll('.', '\\.')}: ssh\\.${field}: `),
      );
    }
  });
});
