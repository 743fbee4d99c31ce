// Parses argv into a command and options. Every flag comes from the option registry: the runner's own
// (flags.ts) and the recipes' options (--persistence, --https, ...), so the CLI stays generic.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RunOption, SecretSpec } from '../engine/types.js';
import type { Serial, Vars } from '../inventory/types.js';
import { closest, describe } from '../inventory/errors.js';
import { badValue, flagName, fromText, isFlag, type OptionSpec } from '../inventory/option.js';
import { UsageError } from './errors.js';
import { runnerFlags } from './flags.js';

export const COMMANDS = ['up', 'run', 'check', 'verify', 'status', 'failover', 'demo', 'list', 'lab', 'wizard', 'schema', 'inventory', 'cloud', 'help', 'version'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  inventory?: string;
  limit?: string[];
  dryRun: boolean;
  json: boolean;
  verbose: boolean;
  concurrency: number;
  connectTimeoutS: number;
  /** --connect-timeout was given (it then wins over ssh_config's ConnectTimeout). */
  connectTimeoutGiven?: boolean;
  /** -F, --ssh-config FILE|none. */
  sshConfig?: string;
  /** --show-ssh: print each host's connection settings and their origins, connect to none. */
  showSsh?: boolean;
  /** Time limit of one remote command that sets none itself (apt sets longer ones). */
  commandTimeoutS: number;
  /** Seconds the connection keeper holds SSH connections after a run (0: none, every run logs in afresh). */
  keepConnectionsS: number;
  acceptNewHostKeys: boolean;
  yes: boolean;
  withDeps: boolean;
  /** demo --ha: the HA pair demo. */
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
  /** Words after the command: recipe names for `run`, the subcommand for `lab`, a topic for `help`, a catalogue
   * command's words. */
  rest: string[];
  /** A catalogue command (`drain`): `command` is then 'run' and `rest` its words. */
  recipeCommand?: string;
  options: CliOptions;
}

export function parseCli(argv: string[], recipeOptions: readonly RunOption[], secrets: readonly SecretSpec[], env: NodeJS.ProcessEnv = process.env, recipeCommands: readonly string[] = []): ParsedArgs {
  const [first, ...tail] = argv;
  // `lab` has its own flags (--suite, --web, ...): hand everything after it over untouched.
  if (first === 'lab') return { command: 'lab', rest: tail, options: defaults() };

  const specs = [...runnerFlags, ...recipeOptions.filter(isFlag)];
  const config = parseArgsConfig(specs, secrets);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(parseProblem(err as Error & { code?: string }, Object.keys(config), secrets));
  }
  const given = parsed.values as Given;
  const [cmd, ...rest] = parsed.positionals;
  let command: Command | undefined;
  const recipeCommand = cmd !== undefined && recipeCommands.includes(cmd) ? cmd : undefined;
  if (recipeCommand) command = 'run';
  else if (cmd !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown command "${cmd}"; commands: ${[...COMMANDS, ...recipeCommands].join(', ')}`);
    command = cmd as Command;
  }
  const flags = readFlags(runnerFlags, given, env);
  if (flags.version) command = 'version';
  // Recipe options are vars (flags win over the inventory's); only those given.
  const vars: Vars = readFlags(recipeOptions.filter(isFlag), given, env);
  const secretFiles: Record<string, string> = {};
  for (const s of secrets) if (s.fileFlag && typeof given[s.fileFlag] === 'string') secretFiles[s.name] = given[s.fileFlag] as string;

  const limit = (flags.limit as string[] | undefined)?.flatMap((l) => l.split(',')).map((l) => l.trim()).filter(Boolean);
  // Given but empty (`--limit ""`, `--limit ,`): never "every host".
  if (limit?.length === 0) throw new UsageError('--limit is empty; give host or group names or globs, e.g. --limit web1,lb (leave it out to run on every host)');
  const out: CliOptions = {
    ...defaults(),
    inventory: flags.inventory as string | undefined,
    limit,
    dryRun: Boolean(flags.dry_run) || command === 'check',
    json: Boolean(flags.json),
    verbose: Boolean(flags.verbose),
    ...numbers(flags),
    ...(flags.connect_timeout !== undefined ? { connectTimeoutGiven: true } : {}),
    ...(flags.ssh_config !== undefined ? { sshConfig: flags.ssh_config as string } : {}),
    ...(flags.show_ssh ? { showSsh: true } : {}),
    acceptNewHostKeys: Boolean(flags.accept_new_host_keys),
    yes: Boolean(flags.yes),
    withDeps: Boolean(flags.with_deps),
    ...(flags.ha ? { ha: true } : {}),
    help: Boolean(flags.help),
    ...(flags.serial !== undefined ? { serial: flags.serial as Serial } : {}),
    ...(flags.max_fail_percentage !== undefined ? { maxFailPercentage: flags.max_fail_percentage as number } : {}),
    vars,
    secretFiles,
  };
  if (out.json && out.verbose) throw new UsageError('--json and --verbose conflict: --json keeps stdout for the report; drop one');
  if (out.withDeps && command !== 'run') throw new UsageError('--with-deps only applies to `haforge run RECIPE...`');
  if (recipeCommand) return { command, rest, options: out, recipeCommand };
  if (command === 'run' && rest.length === 0 && !out.help) throw new UsageError('`haforge run` needs at least one recipe name (see haforge list)');
  if (command !== 'run' && command !== 'help' && command !== 'cloud' && command !== 'status' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" after ${command ?? 'haforge'}`);
  return { command, rest, options: out };
}

type Given = Record<string, string | boolean | string[] | undefined>;

/** node:util's configuration, from the registry: a boolean option of both kinds also gets `--no-NAME`. */
function parseArgsConfig(specs: readonly OptionSpec[], secrets: readonly SecretSpec[]): NonNullable<ParseArgsConfig['options']> {
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of specs) {
    const f = flagName(o.name);
    config[f] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    if (o.alias) config[o.alias] = { type: 'boolean' };
    if (o.type === 'boolean' && o.kind !== 'flag') config[`no-${f}`] = { type: 'boolean' };
  }
  for (const s of secrets) if (s.fileFlag) config[s.fileFlag] = { type: 'string' };
  return config;
}

/** The values of the given flags (and of their environment variables), each checked by its registry entry; the
 * message names the flag (or the variable) and quotes what was typed. */
function readFlags(specs: readonly OptionSpec[], given: Given, env: NodeJS.ProcessEnv): Vars {
  const out: Vars = {};
  for (const o of specs) {
    const f = flagName(o.name);
    if (o.type === 'boolean') {
      if (given[f] && given[`no-${f}`]) throw new UsageError(`--${f} and --no-${f} conflict: give one`);
      if (given[f] || (o.alias && given[o.alias])) out[o.name] = true;
      else if (given[`no-${f}`]) out[o.name] = false;
      continue;
    }
    // The flag wins over its variable; an empty variable is no value.
    const fromEnv = given[f] === undefined && o.env ? env[o.env] || undefined : undefined;
    const raw = given[f] ?? fromEnv;
    if (raw === undefined || typeof raw === 'boolean') continue;
    const where = fromEnv !== undefined ? o.env : `--${f}`;
    const values = (Array.isArray(raw) ? raw : [raw]).map((text) => {
      const value = fromText(o, text);
      const problem = badValue(o, value);
      if (problem) throw new UsageError(`${where}: ${problem.replace(/, found .*$/s, `, found ${describe(text)}`)}`);
      return value;
    });
    out[o.name] = Array.isArray(raw) ? values : values[0];
  }
  return out;
}

/** The numeric flags, with the registry's defaults. */
function numbers(flags: Vars): Pick<CliOptions, 'concurrency' | 'connectTimeoutS' | 'commandTimeoutS' | 'keepConnectionsS'> {
  const n = (name: string) => (flags[name] ?? runnerFlags.find((o) => o.name === name)?.default) as number;
  return {
    concurrency: n('concurrency'),
    connectTimeoutS: n('connect_timeout'),
    commandTimeoutS: n('command_timeout'),
    keepConnectionsS: n('keep_connections'),
  };
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
    dryRun: false, json: false, verbose: false, acceptNewHostKeys: false, yes: false, withDeps: false, help: false, vars: {}, secretFiles: {},
    ...numbers({}),
  };
}
