// Parses argv into a command and options. Recipe options (--persistence, --https, ...) come from the recipes'
// own declarations, so the CLI stays generic.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RunOption, SecretSpec } from '../engine/types.js';
import type { Serial, Vars } from '../inventory/types.js';
import { closest } from '../inventory/errors.js';
import { UsageError } from './errors.js';
import { badValue } from './check-vars.js';

export const COMMANDS = ['up', 'run', 'check', 'verify', 'demo', 'list', 'lab', 'wizard', 'help', 'version'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  inventory?: string;
  limit?: string[];
  dryRun: boolean;
  json: boolean;
  verbose: boolean;
  concurrency: number;
  connectTimeoutS: number;
  /** Time limit of one remote command that sets none itself (apt sets longer ones). */
  commandTimeoutS: number;
  /** Seconds the connection keeper holds SSH connections after a run (0: none, every run logs in afresh). */
  keepConnectionsS: number;
  acceptNewHostKeys: boolean;
  yes: boolean;
  withDeps: boolean;
  /** `haforge demo --ha`: the lab with two LBs sharing a VIP. */
  ha?: boolean;
  help: boolean;
  /** Rolling order for every group (--serial, --max-fail-percentage): wins over the inventory's. */
  serial?: Serial;
  maxFailPercentage?: number;
  /** Recipe vars set by flags (only those given). */
  vars: Vars;
  /** --NAME-file paths for secrets. */
  secretFiles: Record<string, string>;
}

export interface ParsedArgs {
  command: Command | undefined;
  /** Words after the command: recipe names for `run`, the subcommand for `lab`, a topic for `help`. */
  rest: string[];
  options: CliOptions;
}

const flagOf = (name: string) => name.replaceAll('_', '-');

export function parseCli(argv: string[], recipeOptions: readonly RunOption[], secrets: readonly SecretSpec[]): ParsedArgs {
  const [first, ...tail] = argv;
  // `lab` has its own flags (--suite, --web, ...): hand everything after it over untouched.
  if (first === 'lab') return { command: 'lab', rest: tail, options: defaults() };

  const options: ParseArgsConfig['options'] = {
    inventory: { type: 'string', short: 'i' },
    limit: { type: 'string', short: 'l', multiple: true },
    'dry-run': { type: 'boolean' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    concurrency: { type: 'string' },
    'connect-timeout': { type: 'string' },
    'command-timeout': { type: 'string' },
    'keep-connections': { type: 'string' },
    'accept-new-host-keys': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'with-deps': { type: 'boolean' },
    ha: { type: 'boolean' },
    serial: { type: 'string' },
    'max-fail-percentage': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  for (const o of recipeOptions) {
    options[flagOf(o.name)] = { type: o.type === 'boolean' ? 'boolean' : 'string' };
    if (o.type === 'boolean') options[`no-${flagOf(o.name)}`] = { type: 'boolean' };
  }
  for (const s of secrets) if (s.fileFlag) options[s.fileFlag] = { type: 'string' };

  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseProblem(err as Error & { code?: string }, Object.keys(options), secrets));
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const [cmd, ...rest] = parsed.positionals;
  let command: Command | undefined;
  if (cmd !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command "${cmd}"; commands: ${COMMANDS.join(', ')}`);
    command = cmd as Command;
  }
  if (v.version) command = 'version';

  /** `where` names the source of the value in the message: a flag (--concurrency) or a variable. */
  const num = (where: string, raw: unknown, min: number, max: number, dflt: number): number => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${where}: expected an integer ${min}-${max}, found "${String(raw)}"`);
    return n;
  };
  // The flag wins over HAFORGE_KEEP_CONNECTIONS; an empty variable is no value.
  const keepEnv = process.env.HAFORGE_KEEP_CONNECTIONS || undefined;

  const vars: Vars = {};
  for (const o of recipeOptions) {
    const f = flagOf(o.name);
    if (o.type === 'boolean') {
      if (v[f] && v[`no-${f}`]) throw new UsageError(`--${f} and --no-${f} conflict: give one`);
      if (v[f]) vars[o.name] = true;
      if (v[`no-${f}`]) vars[o.name] = false;
      continue;
    }
    const raw = v[f];
    if (raw === undefined) continue;
    if (o.choices && !o.choices.includes(String(raw))) {
      throw new UsageError(`--${f}: expected one of ${o.choices.join(', ')}, found "${String(raw)}"`);
    }
    vars[o.name] = o.type === 'number' ? num(`--${f}`, raw, o.min ?? 0, o.max ?? Number.MAX_SAFE_INTEGER, 0) : String(raw);
    // Flags are not checked again by checkVars (it skips overridden names): the option's pattern is checked here.
    const problem = o.type === 'string' ? badValue(o, vars[o.name]) : undefined;
    if (problem) throw new UsageError(`--${f}: ${problem}`);
  }
  const secretFiles: Record<string, string> = {};
  for (const s of secrets) if (s.fileFlag && typeof v[s.fileFlag] === 'string') secretFiles[s.name] = v[s.fileFlag] as string;

  const limit = (v.limit as string[] | undefined)?.flatMap((l) => l.split(',')).map((l) => l.trim()).filter(Boolean);
  // Given but empty (`--limit ""`, `--limit ,`): never "every host".
  if (limit?.length === 0) throw new UsageError('--limit is empty; give host or group names or globs, e.g. --limit web1,lb (leave it out to run on every host)');
  const out: CliOptions = {
    inventory: v.inventory as string | undefined,
    limit,
    dryRun: Boolean(v['dry-run'] || v.check) || command === 'check',
    json: Boolean(v.json),
    verbose: Boolean(v.verbose),
    concurrency: num('--concurrency', v.concurrency, 1, 256, 32),
    connectTimeoutS: num('--connect-timeout', v['connect-timeout'], 1, 600, 10),
    commandTimeoutS: num('--command-timeout', v['command-timeout'], 1, 86_400, 600),
    keepConnectionsS:
      v['keep-connections'] !== undefined
        ? num('--keep-connections', v['keep-connections'], 0, 3600, 0)
        : num('HAFORGE_KEEP_CONNECTIONS', keepEnv, 0, 3600, 0),
    acceptNewHostKeys: Boolean(v['accept-new-host-keys']),
    yes: Boolean(v.yes),
    withDeps: Boolean(v['with-deps']),
    ...(v.ha ? { ha: true } : {}),
    help: Boolean(v.help),
    ...(v.serial !== undefined ? { serial: serialOf(String(v.serial)) } : {}),
    ...(v['max-fail-percentage'] !== undefined ? { maxFailPercentage: num('--max-fail-percentage', v['max-fail-percentage'], 0, 100, 0) } : {}),
    vars,
    secretFiles,
  };
  if (out.json && out.verbose) throw new UsageError('--json and --verbose conflict: --json keeps stdout for the report; drop one');
  if (out.ha && command !== 'demo') throw new UsageError('--ha only applies to `haforge demo`');
  if (out.withDeps && command !== 'run') throw new UsageError('--with-deps only applies to `haforge run RECIPE...`');
  if (command === 'run' && rest.length === 0 && !out.help) throw new UsageError('`haforge run` needs at least one recipe name (see haforge list)');
  if (command !== 'run' && command !== 'help' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after ${command ?? 'haforge'}`);
  return { command, rest, options: out };
}

/** --serial N or --serial P%: the inventory's `serial`, for every group. */
function serialOf(raw: string): Serial {
  if (/^[1-9][0-9]*$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  if (/^(100|[1-9][0-9]?)%$/.test(raw)) return raw as Serial;
  throw new UsageError(`--serial: expected a number of hosts (1 or more) or a percentage (1%-100%), found "${raw}"`);
}

/** node:util's messages are long and generic; say which option and what to do instead. An option's value
 * is never repeated: someone may have typed a secret there (`--stats-password=...`). */
function parseProblem(err: Error & { code?: string }, known: string[], secrets: readonly SecretSpec[]): string {
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'(-{1,2}[^'=\s]*)/.exec(err.message)?.[1] ?? '';
    const name = given.replace(/^-+/, '');
    if (/pass(word)?|secret|token/i.test(name)) {
      const spec = secrets.find((s) => name.startsWith(s.name.replaceAll('_', '-').replace(/-password$/, '')));
      const way = spec
        ? `set ${spec.env}${spec.fileFlag ? ` or pass --${spec.fileFlag} FILE` : ''}`
        : /sudo/i.test(name)
          ? 'set HAFORGE_SUDO_PASSWORD (or the variable named by sudo_password_env in the inventory)'
          : 'set HAFORGE_SSH_PASSWORD (or the variable named by password_env in the inventory)';
      return `unknown option ${given}: secrets are never given as flag values (they would show in ps and shell history); ${way}`;
    }
    const guess = name.length > 1 ? closest(name, known) : undefined;
    return `unknown option ${given}${guess ? `; did you mean --${guess}?` : ''} (see haforge --help)`;
  }
  return `${err.message.replace(/^.*?: /, '')} (see haforge --help)`;
}

function defaults(): CliOptions {
  return {
    dryRun: false, json: false, verbose: false, concurrency: 32, connectTimeoutS: 10, commandTimeoutS: 600, keepConnectionsS: 0,
    acceptNewHostKeys: false, yes: false, withDeps: false, help: false, vars: {}, secretFiles: {},
  };
}
