// The option registry (issue 14, item 6): every inventory var and flag is declared once, and the schema, the flag
// parser, the wizard's checks and `haforge help vars` are made from it. These tests hold the declarations to that:
// bounds or patterns everywhere, every var a recipe reads declared (and naming that recipe), and the flags, the
// value checks and the JSON Schema agreeing, the last checked by a real JSON Schema validator (ajv, draft 2020-12).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { hostVars, options, registry, secrets } from '../../recipes/options.js';
import { recipes } from '../../recipes/index.js';
import { groupOptions } from '../../runner/inventory/group-options.js';
import { badValue, flagName, isFlag, isVar, type OptionSpec } from '../../runner/inventory/option.js';
import { inventoryJsonSchema } from '../../runner/inventory/json-schema.js';
import { parseInventory } from '../../runner/inventory/index.js';
import { runnerFlags } from '../../runner/cli/flags.js';
import { parseCli } from '../../runner/cli/args.js';
import { checkVars } from '../../runner/cli/check-vars.js';
import { helpText } from '../../runner/cli/help.js';
import { varsTable } from '../../runner/cli/help-vars.js';
import { inventoryYaml } from '../../runner/wizard/inventory.js';

const root = join(import.meta.dirname, '..', '..');
// The runner's flags include the groups.NAME options (as flags for every group).
const everything: OptionSpec[] = [...registry, ...runnerFlags];
const schema = inventoryJsonSchema(registry);
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

/** A value each option accepts, and one of the right type it refuses (none for booleans). */
function samples(o: OptionSpec): { good: unknown; bad?: unknown } {
  if (o.type === 'boolean') return { good: true };
  if (o.type === 'serial') return { good: '25%', bad: 0 };
  if (o.type === 'number') return { good: o.default ?? o.min, bad: (o.max ?? 0) + 1 };
  if (o.choices) return { good: o.choices[0], bad: 'not-a-choice' };
  return { good: typeof o.default === 'string' ? o.default : o.name === 'haproxy_repo_key_fingerprint' ? 'A'.repeat(40) : o.name === 'haproxy_repo_url' ? 'https://x.example/d' : o.name === 'haproxy_version' ? '3.2' : o.name === 'acme_email' ? 'ops@example.org' : 'x1', bad: 'a\nb' };
}

describe('every declaration is complete', () => {
  test('names are unique, snake_case, and say who reads them', () => {
    const names = everything.map((o) => o.name);
    for (const g of groupOptions) expect(names, g.name).toContain(g.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const o of everything) {
      expect(o.name, o.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(o.description.length, o.name).toBeGreaterThan(5);
      expect(o.readBy?.length, `${o.name} readBy`).toBeGreaterThan(0);
    }
    const known = new Set([...recipes.map((r) => r.name), 'runner']);
    for (const o of everything) for (const r of o.readBy ?? []) expect(known.has(r), `${o.name} is read by an unknown recipe ${r}`).toBe(true);
  });

  test('every number has bounds holding its default; every string a pattern (choices and default within it)', () => {
    for (const o of everything) {
      if (o.type === 'number') {
        const n = o.fractional ? Number.isFinite : Number.isInteger;
        expect(n(o.min) && n(o.max), `${o.name} bounds`).toBe(true);
        expect(o.min! <= o.max!, o.name).toBe(true);
      }
      if (o.type === 'string') {
        expect(o.pattern?.regex, `${o.name} pattern`).toBeInstanceOf(RegExp);
        for (const c of o.choices ?? []) expect(o.pattern!.regex.test(c), `${o.name} choice ${c}`).toBe(true);
      }
      if (o.default !== undefined) expect(badValue(o, o.default), `${o.name} default`).toBeUndefined();
    }
  });

  test('recipe options are flags and vars, host vars only vars; the runner\'s flags are not vars', () => {
    expect(options.every((o) => isFlag(o) && isVar(o))).toBe(true);
    expect(hostVars.map((o) => o.name).sort()).toEqual(['bind_address', 'preempt', 'vip', 'vip_interface', 'vrrp_advert_int', 'vrrp_priority', 'vrrp_router_id', 'web_port']);
    expect(hostVars.every((o) => !isFlag(o))).toBe(true);
    expect(runnerFlags.filter((o) => o.at !== 'group').every((o) => !isVar(o))).toBe(true);
  });
});

describe('every var a recipe reads is declared, naming that recipe', () => {
  // The ways recipes read vars: opt<T>(h, 'name'), h.vars['name'], x.vars['name'] (a peer's), vars['name'] (preflight).
  const READ = /(?:\bopt<[^>]+>\(h, |\bvars\[)'([a-z_]+)'/g;
  const files = readdirSync(join(root, 'recipes')).filter((f) => f.endsWith('.ts') && f !== 'options.ts');
  const byName = new Map(registry.map((o) => [o.name, o]));

  test.each(files)('%s', (file) => {
    const text = readFileSync(join(root, 'recipes', file), 'utf8');
    const read = [...new Set([...text.matchAll(READ)].map((m) => m[1]!))];
    const recipe = recipes.find((r) => `${r.name}.ts` === file);
    for (const name of read) {
      const o = byName.get(name);
      expect(o, `${file} reads ${name}, which the registry does not declare`).toBeDefined();
      if (recipe) expect(o!.readBy, `${name} is read by ${recipe.name}`).toContain(recipe.name);
    }
  });

  test('the engine\'s apt primitive reads declared vars', () => {
    const text = readFileSync(join(root, 'runner', 'engine', 'primitives', 'apt.ts'), 'utf8');
    const read = [...text.matchAll(/'(apt_[a-z_]+)'/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(byName.has(name), name).toBe(true);
  });
});

describe('flags, value checks and the JSON Schema agree', () => {
  test('every flag declared is accepted by the parser with a valid value, and refused with a bad one, naming it', () => {
    for (const o of [...options, ...runnerFlags].filter((x) => x.type !== 'boolean' && !x.multiple)) {
      const { good, bad } = samples(o);
      const flag = `--${flagName(o.name)}`;
      expect(() => parseCli(['up', flag, String(good)], options, secrets, {}), flag).not.toThrow();
      if (bad !== undefined) expect(() => parseCli(['up', flag, String(bad)], options, secrets, {}), flag).toThrow(new RegExp(`^${flag}: expected `));
    }
    for (const o of options.filter((x) => x.type === 'boolean')) {
      const flag = flagName(o.name);
      expect(parseCli(['up', `--${flag}`], options, secrets, {}).options.vars[o.name]).toBe(true);
      expect(parseCli(['up', `--no-${flag}`], options, secrets, {}).options.vars[o.name]).toBe(false);
    }
    expect(() => parseCli(['up', '--web-port', '80'], options, secrets, {})).toThrow(/unknown option --web-port/);
  });

  test('the JSON Schema types exactly the declared vars, with their bounds, choices and patterns', () => {
    const vars = (schema.properties as Record<string, { anyOf: { properties: Record<string, Record<string, unknown>> }[] }>).vars!.anyOf[0]!.properties;
    expect(Object.keys(vars).sort()).toEqual(registry.map((o) => o.name).sort());
    for (const o of registry) {
      const p = vars[o.name]!;
      expect(p.type, o.name).toBe(o.type === 'number' ? (o.fractional ? 'number' : 'integer') : o.type);
      if (o.type === 'number') expect([p.minimum, p.maximum], o.name).toEqual([o.min, o.max]);
      if (o.choices) expect(p.enum, o.name).toEqual(o.choices);
      else if (o.type === 'string') expect(p.pattern, o.name).toBe(o.pattern!.regex.source);
      expect(p.description, o.name).toBe(o.description);
    }
  });

  test('a value is accepted by the schema exactly when the loader\'s check accepts it', () => {
    const doc = (v: unknown, name: string) => ({ groups: { lb: { vars: { [name]: v }, hosts: { lb1: { address: '192.0.2.1' } } } } });
    for (const o of registry) {
      const { good, bad } = samples(o);
      for (const v of [good, bad, 'a string?', 7, false].filter((x) => x !== undefined)) {
        expect(validate(doc(v, o.name)), `${o.name}=${JSON.stringify(v)}`).toBe(badValue(o, v) === undefined);
      }
    }
    for (const [serial, ok] of [[1, true], ['100%', true], [0, false], ['150%', false], ['3', false]] as const) {
      expect(validate({ groups: { web: { serial } } }), `serial ${serial}`).toBe(ok);
    }
  });

  test('help lists every flag, and help vars every var and group key with its flag', () => {
    const help = helpText(undefined, options, secrets);
    for (const o of [...options, ...runnerFlags]) expect(help, o.name).toContain(`--${flagName(o.name)}`);
    const table = varsTable(registry);
    for (const o of [...registry, ...groupOptions]) expect(table, o.name).toMatch(new RegExp(`^${o.at === 'group' ? 'groups\\.G\\.' : ''}${o.name} `, 'm'));
    expect(table).toMatch(/^web_port +integer +80 +1-65535 +- +haproxy-config /m);
  });
});

describe('the JSON Schema and real inventories', () => {
  const examples = readdirSync(join(root, 'inventory')).filter((f) => f.endsWith('.yaml'));

  test.each(examples)('inventory/%s validates', (file) => {
    const data = parse(readFileSync(join(root, 'inventory', file), 'utf8'));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the wizard\'s inventory validates', () => {
    const yaml = inventoryYaml({ lb: { address: '192.0.2.10', port: 22 }, web: [{ address: '192.0.2.11', port: 2222 }], user: 'admin', login: { kind: 'agent' } }, { persistence: 'source', https: true }, []);
    expect(validate(parse(yaml)), JSON.stringify(validate.errors)).toBe(true);
  });

  test.each([
    ['a var of the wrong type', 'vars: { keep_alive: "yes" }', '/vars/keep_alive'],
    ['a var outside its choices', 'vars: { persistence: sticky }', '/vars/persistence'],
    ['a port out of range', 'groups: { web: { hosts: { w1: { address: 192.0.2.1, port: 70000 } } } }', '/groups/web/hosts/w1/port'],
    ['an unknown key', 'group: {}', ''],
    ['serial 0', 'groups: { lb: { serial: 0 } }', '/groups/lb/serial'],
    ['a line break in a string var', 'vars: { haproxy_repo_suite: "stable\\nComponents: evil" }', '/vars/haproxy_repo_suite'],
  ])('%s fails', (_, yaml, at) => {
    expect(validate(parse(yaml))).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toContain(at);
  });
});

describe('the near-miss hint', () => {
  const inv = (vars: string) =>
    parseInventory(`vars: { ${vars} }\ngroups:\n  lb: { hosts: { lb1: { address: 192.0.2.10 } } }\n  web: { hosts: { w1: { address: 192.0.2.11 } } }\n`, {
      file: 'inv.yaml',
      env: { SSH_AUTH_SOCK: '/tmp/agent' },
    });

  test.each([
    ['keepalive: true', 'vars.keepalive: unknown var; did you mean `keep_alive`?'],
    ['web_prot: 80', 'vars.web_prot: unknown var; did you mean `web_port`?'],
    ['stats_usr: ops', 'vars.stats_usr: unknown var; did you mean `stats_user`?'],
  ])('var %s', async (vars, says) => {
    const i = inv(vars);
    await expect(checkVars(i, i.hosts, options, {}, undefined, hostVars)).rejects.toThrow(says);
  });

  test.each([
    ['--keepalive', 'did you mean --keep-alive?'],
    ['--concurency', 'did you mean --concurrency?'],
    ['--max-fail-percent', 'did you mean --max-fail-percentage?'],
  ])('flag %s', (flag, says) => {
    expect(() => parseCli(['up', flag], options, secrets, {})).toThrow(says);
  });
});
