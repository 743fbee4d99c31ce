// The option registry's runner part: haforge's own flags, declared once. The parser (args.ts), `haforge --help`
// and `haforge help vars` are made from these, and from the recipes' options (recipes/options.ts).
import { groupOptions } from '../inventory/group-options.js';
import { flagName, type OptionSpec } from '../inventory/option.js';

/** No control character or line break: a file name or a --limit pattern is shown in messages. */
const PRINTABLE = { regex: /^[^\p{Cc}\p{Zl}\p{Zp}]{0,4096}$/u, allowed: 'text without control characters or line breaks' };
const runner = (o: Omit<OptionSpec, 'kind' | 'readBy'>): OptionSpec => ({ ...o, kind: 'flag', readBy: ['runner'] });

export const runnerFlags: OptionSpec[] = [
  runner({ name: 'inventory', type: 'string', short: 'i', value: 'FILE', pattern: PRINTABLE, description: 'inventory YAML (default: $HAFORGE_INVENTORY; without either, exit 2: see `haforge demo`)' }),
  runner({ name: 'limit', type: 'string', short: 'l', value: 'PATTERN', multiple: true, pattern: PRINTABLE, description: 'only these hosts: names, group names or globs, comma-separated (web*,lb)' }),
  runner({ name: 'dry_run', type: 'boolean', alias: 'check', description: 'run checks only; show diffs and the commands that would run' }),
  runner({ name: 'json', type: 'boolean', description: 'print a JSON report on stdout (schema: README, "JSON report"); nothing else' }),
  runner({ name: 'verbose', type: 'boolean', short: 'v', description: 'show every remote command (secrets redacted)' }),
  runner({ name: 'concurrency', type: 'number', min: 1, max: 256, default: 32, value: 'N', description: 'hosts worked on at once' }),
  runner({ name: 'connect_timeout', type: 'number', min: 1, max: 600, default: 10, value: 'S', description: 'seconds to wait for SSH' }),
  runner({ name: 'command_timeout', type: 'number', min: 1, max: 86_400, default: 600, value: 'S', description: 'seconds one remote command may run before it is stopped (apt has longer limits)' }),
  runner({
    name: 'keep_connections', type: 'number', min: 0, max: 3600, default: 0, value: 'S', env: 'HAFORGE_KEEP_CONNECTIONS',
    description: 'keep SSH connections open S seconds after the run (like Ansible\'s ControlPersist): a re-run within S seconds logs in to no host (0: off; `haforge keeper stop` closes them now). Connections are reused only with the same login, key and secrets',
  }),
  runner({ name: 'ssh_config', type: 'string', short: 'F', value: 'FILE', pattern: PRINTABLE, description: 'the ssh_config file hosts are looked up in, or none (wins over the inventory\'s ssh.config; default ~/.ssh/config, then /etc/ssh/ssh_config, as ssh)' }),
  runner({ name: 'show_ssh', type: 'boolean', description: 'print what each host connects with and where each setting came from (inventory, ssh_config file:line, default); connect to none' }),
  runner({ name: 'accept_new_host_keys', type: 'boolean', description: 'trust and record unknown host keys (changed keys are always refused)' }),
  runner({ name: 'yes', type: 'boolean', short: 'y', description: 'never prompt: fail with exit 2 when something must be asked' }),
  runner({ name: 'with_deps', type: 'boolean', description: 'with `run`: also run the recipes it depends on' }),
  runner({ name: 'ha', type: 'boolean', description: 'with `demo`: an HA pair (two LBs sharing a VIP) on a lab of its own' }),
  // The rolling order of every group: the inventory's groups.NAME keys, as flags that win over them.
  ...groupOptions.map((o) => ({ ...o, kind: 'both' as const, description: `for every group (wins over groups.G.${o.name}): ${o.description.replace(/this group's/g, "a group's")}` })),
  runner({ name: 'help', type: 'boolean', short: 'h', description: 'help; `haforge help COMMAND` for one command, `haforge help vars` for every var' }),
  runner({ name: 'version', type: 'boolean', description: 'the version of haforge' }),
];

/** `-i, --inventory FILE` / `    --keep-alive, --no-keep-alive`: how a flag is written in help. */
export function flagUsage(o: OptionSpec): string {
  const long = `--${flagName(o.name)}`;
  const short = o.short ? `-${o.short}, ` : '    ';
  if (o.type === 'boolean') {
    const alt = o.alias ? `, --${o.alias}` : o.kind !== 'flag' ? ` / --no-${flagName(o.name)}` : '';
    return `${short}${long}${alt}`;
  }
  return `${short}${long} ${o.choices ? o.choices.join('|') : (o.value ?? 'VALUE')}`;
}
