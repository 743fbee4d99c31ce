// `haforge --help` and `haforge help COMMAND`: what each command does, with examples for all three ways in.
import type { RunOption, SecretSpec } from '../engine/types.js';

const MAIN = `haforge: turn fresh Debian machines into an HAProxy load balancer in front of Apache, over SSH.
Every step checks before it changes, so a second run reports 0 changed.

Usage: haforge [COMMAND] [OPTIONS]

Three ways in:
  haforge                         on a terminal: the guided setup wizard (same as \`haforge wizard\`)
  haforge up -i inv.yaml --yes    unattended: flags, environment variables and the inventory; never prompts
  haforge run haproxy-config -l lb   re-run single recipes on some hosts

Commands:
  up               run every recipe on every host of the inventory, then verify
  run RECIPE...    run only these recipes (prerequisites are checked; --with-deps adds them)
  check            dry run of \`up\`: what would change, with unified diffs; nothing is touched
  verify           check the running cluster: stats page, every web node UP, persistence works
  list             the recipes, their order and roles
  lab up|down|status   a local lab of throwaway Debian hosts (root only; see \`haforge lab help\`)
  wizard           the guided setup, on a terminal
  help [COMMAND]   this text, or one command's

Options:
  -i, --inventory FILE      inventory YAML (default: $HAFORGE_INVENTORY, else the local lab's when it is up)
  -l, --limit PATTERN       only these hosts: names, group names or globs, comma-separated (web*,lb)
      --dry-run, --check    run checks only; show diffs and the commands that would run
      --json                print a JSON report on stdout (schema: README, "JSON report"); nothing else
  -v, --verbose             show every remote command (secrets redacted)
      --concurrency N       hosts worked on at once (default 32)
      --connect-timeout S   seconds to wait for SSH (default 10)
      --accept-new-host-keys   trust and record unknown host keys (changed keys are always refused)
  -y, --yes                 never prompt: fail with exit 2 when something must be asked
      --with-deps           with \`run\`: also run the recipes it depends on
  -h, --help                help; \`haforge help COMMAND\` for one command

Environment:
  HAFORGE_INVENTORY       default inventory file
  HAFORGE_SSH_PASSWORD    SSH password for hosts with password auth (or the variable the inventory names)
  HAFORGE_SUDO_PASSWORD   sudo password for non-root users (or the variable the inventory names)
  NO_COLOR                no colours; colours are also off when output is not a terminal
  CI                      when set, haforge never prompts

Exit codes: 0 every host ok, 1 a host failed, 2 usage or inventory error (no host touched), 130 interrupted.

Examples:
  npm run demo                                   lab up, then the whole setup on it
  haforge up -i inventory/example.yaml --dry-run see what would change
  HAFORGE_STATS_PASSWORD=... haforge up -i prod.yaml --yes --json > report.json
  haforge run haproxy-config --limit lb --persistence source
  haforge verify -i prod.yaml`;

const TOPICS: Record<string, string> = {
  up: `haforge up [-i FILE] [--limit PATTERN] [--dry-run] [recipe options]
Runs every recipe, in order, on the hosts of its role (lb, web, or all), then verify.
  haforge up -i prod.yaml
  haforge up -i prod.yaml --persistence cookie-insert --https --yes`,
  run: `haforge run RECIPE... [--limit PATTERN] [--with-deps] [--dry-run]
Runs only the named recipes. Their prerequisites are checked, not assumed: when something is missing
(e.g. haproxy not installed) the error names the recipe that provides it; --with-deps plans those too.
  haforge run haproxy-config --limit lb
  haforge run haproxy-config --dry-run --persistence source     # the diff, nothing changed
  haforge run apache-install --limit 'web*' --with-deps`,
  check: `haforge check [-i FILE] [--limit PATTERN]
Same as \`haforge up --dry-run\`: checks every step, prints unified diffs of files and the commands it would run.`,
  verify: `haforge verify [-i FILE]
Checks the running cluster through the load balancer: stats page (with its credentials) shows every web
node UP, requests reach every node, persistence and HTTPS behave as configured. Changes nothing.`,
  list: `haforge list
Lists every recipe with its order, roles and a one-line summary.`,
  wizard: `haforge wizard
Asks for the hosts, credentials, HAProxy source, persistence variant and options, shows a summary, runs the
setup with a live task list, then offers to save the inventory and prints the unattended command.`,
  lab: `haforge lab up [--suite bookworm|trixie] [--web N] [--subnet A.B.C] [--name NAME]
haforge lab status | down
A local lab: an lb and N web Debian hosts in network namespaces on this machine (root only).`,
};

export function helpText(topic: string | undefined, options: readonly RunOption[], secrets: readonly SecretSpec[]): string {
  if (topic && TOPICS[topic]) return TOPICS[topic]!;
  const flag = (o: RunOption) => {
    const name = `--${o.name.replaceAll('_', '-')}${o.type === 'boolean' ? ` / --no-${o.name.replaceAll('_', '-')}` : o.choices ? ` ${o.choices.join('|')}` : ' VALUE'}`;
    return `  ${name.padEnd(40)} ${o.description}${o.default !== undefined ? ` (default ${String(o.default)})` : ''}`;
  };
  const extra: string[] = [];
  if (options.length) extra.push('', 'Recipe options (also settable as inventory vars, with underscores):', ...options.map(flag));
  if (secrets.length) {
    extra.push('', 'Secrets (never on the command line):');
    for (const s of secrets) extra.push(`  ${s.env.padEnd(24)} ${s.description}${s.fileFlag ? `; or --${s.fileFlag} FILE` : ''}`);
  }
  return MAIN + extra.join('\n');
}
