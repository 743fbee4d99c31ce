// `haforge --help` and `haforge help COMMAND`: what each command does, with examples for all three ways in.
import type { RunOption, SecretSpec } from '../engine/types.js';
import { flagUsage, runnerFlags } from './flags.js';

const MAIN = (OPTIONS: string) => `haforge: turn fresh Debian machines into an HAProxy load balancer in front of Apache, over SSH.
Every step checks before it changes, so a second run reports 0 changed.

Usage: haforge [COMMAND] [OPTIONS]

Three ways in:
  1. Guided: \`haforge\` on a terminal (or \`haforge wizard\`) asks for the hosts, login, HAProxy source,
     persistence, options and the stats password, shows a summary, runs the setup with a live task list,
     then saves the inventory and prints the unattended command that repeats the run.
  2. Unattended (CI, cron): flags, environment variables and the inventory; never prompts. A missing
     secret or an unknown host key is exit 2 at once, naming the variable or flag that supplies it.
       HAFORGE_STATS_PASSWORD=... haforge up -i prod.yaml --persistence cookie-insert --yes
  3. Single recipes: only some recipes on some hosts; prerequisites are checked (--with-deps runs them).
       haforge run haproxy-config --limit lb

Commands:
  up               run every recipe on every host of the inventory, then verify
  run RECIPE...    run only these recipes (prerequisites are checked; --with-deps adds them)
  check            dry run of \`up\`: what would change, with unified diffs; nothing is touched
  verify           check the running cluster: stats page, every web node UP, persistence works
  status [LB...]   the HA pair now: which LB holds the VIP, keepalived and haproxy per LB, web servers UP/DOWN
  failover         move the VIP to the other LB (--to LB, --force), wait until it answers there
  demo             make (or reuse) the local lab and run everything on it; prints the site and stats URLs
                   (--ha: a lab of two LBs sharing a VIP, and the VIP's URL)
  drain NODE       on every LB: no new requests for the web node, then wait until its sessions reach 0
                   (--timeout S, default 60); the last serving node only with --force
  maint NODE       on every LB: the web node in maintenance (--force for the last serving one)
  ready NODE       on every LB: the web node serves again
  list             the recipes, their order and roles
  lab up|down|status   a local lab of throwaway Debian hosts (root only; see \`haforge lab help\`)
  keeper stop      close the SSH connections kept by --keep-connections (see --keep-connections)
  wizard           the guided setup, on a terminal
  schema           the inventory file's JSON Schema, for YAML editors (haforge schema > haforge.schema.json)
  cloud up|down    make the inventory's cloudstack.provision (key pair, security group, VMs, all tagged), or destroy what carries its tag
  inventory        the resolved inventory (also of \`source: cloudstack\`); --json: ansible-inventory --list's shape
  help [COMMAND]   this text, or one command's; \`haforge help vars\`: every inventory var, as a table

${OPTIONS}

Environment:
  HAFORGE_INVENTORY       default inventory file
  HAFORGE_SSH_PASSWORD    SSH password for hosts with password auth (or the variable the inventory names)
  HAFORGE_SUDO_PASSWORD   sudo password for non-root users (or the variable the inventory names)
  HAFORGE_KEEP_CONNECTIONS  default for --keep-connections
  NO_COLOR                no colours; colours are also off when output is not a terminal
  CI                      when set (and not "false" or "0"), haforge never prompts; nor with --yes
                          or when stdin is not a terminal

Exit codes: 0 every host ok, 1 a host failed, 2 usage or inventory error (no host touched), 130 interrupted.

Examples:
  haforge wizard                                 guided setup (1)
  haforge demo  (or npm run demo)                lab up, then the whole setup on it
  haforge up -i inventory/example.yaml --dry-run see what would change
  HAFORGE_STATS_PASSWORD=... haforge up -i prod.yaml --yes --json > report.json     (2)
  haforge up -i prod.yaml --stats-password-file /run/secrets/stats --accept-new-host-keys --yes
  haforge run haproxy-config --limit lb --persistence source                       (3)
  haforge run haproxy-config --dry-run --persistence source   the diff, nothing changed
  haforge verify -i prod.yaml`;

/** Shown under every command's help: the same job, the three ways. */
const WAYS = `
The three ways in:
  guided:        haforge wizard                    (questions, summary, live run; saves the inventory)
  unattended:    HAFORGE_STATS_PASSWORD=... haforge up -i prod.yaml --yes
  single recipe: haforge run haproxy-config --limit lb [--with-deps] [--dry-run]`;

const TOPICS: Record<string, string> = {
  up: `haforge up [-i FILE] [--limit PATTERN] [--dry-run] [recipe options]
Runs every recipe, in order, on the hosts of its role (lb, web, or all), then verify. On a terminal, a secret
nothing supplied and an unknown host key are asked before the live view starts; unattended (no terminal, CI,
--yes) they end the run with exit 2 before any host is touched.
Examples:
  haforge up -i prod.yaml
  HAFORGE_STATS_PASSWORD=... haforge up -i prod.yaml --persistence cookie-insert --https --yes
  HAFORGE_SUDO_PASSWORD=... haforge up -i prod.yaml --stats-password-file stats.txt --json > report.json
  haforge up -i prod.yaml --limit 'web*' --verbose           # every remote command, secrets redacted`,
  run: `haforge run RECIPE... [--limit PATTERN] [--with-deps] [--dry-run]
Runs only the named recipes (see haforge list). Their prerequisites are checked, not assumed: when something
is missing (e.g. haproxy not installed) the error names the recipe that provides it; --with-deps plans those
too. --limit takes host names, group names and globs; a pattern that matches nothing is an error.
Examples:
  haforge run haproxy-config --limit lb
  haforge run haproxy-config --dry-run --persistence source     # the unified diff and commands; nothing changed
  haforge run apache-install --limit 'web*' --with-deps
  haforge run facts --json`,
  check: `haforge check [-i FILE] [--limit PATTERN] [recipe options]
Same as \`haforge up --dry-run\`: checks every step, prints unified diffs of files and the commands it would run.
Nothing is changed on any host.
Examples:
  haforge check -i prod.yaml
  haforge check -i prod.yaml --persistence source --keep-alive`,
  verify: `haforge verify [-i FILE]
Checks the running cluster through the load balancer: stats page (with its credentials) shows every web
node UP, requests reach every node, persistence and HTTPS behave as configured. Changes nothing.
Examples:
  HAFORGE_STATS_PASSWORD=... haforge verify -i prod.yaml
  haforge verify -i prod.yaml --stats-password-file stats.txt --json`,
  status: `haforge status [-i FILE] [LB...] [--json]
Per load balancer: its VRRP role (MASTER holds the VIP; BACKUP; FAULT: keepalived runs, haproxy does not;
STOPPED), keepalived and haproxy running or not, and every web server's state on its stats page; and which LB
holds the VIP (two is split brain and none an outage: exit 1). Changes nothing.
Examples:
  haforge status -i prod.yaml
  haforge status -i prod.yaml lb2 --json`,
  failover: `haforge failover [-i FILE] [--to LB] [--force] [--dry-run]
Moves the VIP off the LB that holds it: keepalived is restarted there (it gives the VIP up at once and comes
back as backup; nopreempt keeps it so). Refused when the new master is not healthy (keepalived or haproxy not
running, no web node UP on its stats page) unless --force; then waits until the new master holds the VIP and
the site answers on it, and prints how long that took. Needs a pair (two LBs with a vip) and preempt: false.
Examples:
  haforge failover -i prod.yaml
  haforge failover -i prod.yaml --to lb2`,
  list: `haforge list
Lists every recipe with its order, roles and a one-line summary.
Examples:
  haforge list
  haforge run haproxy-config --dry-run     # then any recipe it lists, alone`,
  wizard: `haforge wizard [-i FILE] [recipe options]
On a terminal: asks for the inventory (a file, or the LB and web addresses, SSH user, key, agent or password,
sudo password), the HAProxy source, the persistence variant (each explained), keep-alive, HTTPS, PHP and the
stats user and password (typed twice, or generated and shown once). Answers are checked as they are typed.
Then a summary, a confirmation, unknown host keys shown with their fingerprint, the run with a live task list;
at the end it offers to save the inventory (no secret in it), prints the unattended command that repeats the
run, and the site and stats page URLs. Flags given to the wizard become the initial answers.
Examples:
  haforge                       # on a terminal, with no command
  haforge wizard -i prod.yaml   # start from an existing inventory
  haforge wizard --persistence cookie-insert --https`,
  lab: `haforge lab up [--suite bookworm|trixie] [--web N] [--subnet A.B.C] [--name NAME]
haforge lab status | down
A local lab: an lb and N web Debian hosts in network namespaces on this machine (root only).
Examples:
  haforge lab up --name demo --subnet 10.213.9 && haforge wizard   # then answer with the lab's addresses
  haforge up -i /var/lib/haforge/lab/hflab/inventory.yaml`,
  keeper: `haforge keeper stop
Closes the SSH connections that --keep-connections S (or HAFORGE_KEEP_CONNECTIONS=S) kept open, now rather than
S seconds after the last run. Runs with --keep-connections reuse a kept connection only for the same host, login,
key, secrets and host-key rules, after it answered a keepalive; its host key was checked when it was made, so
after changing a host's key: haforge keeper stop.
Examples:
  haforge up -i prod.yaml --keep-connections 60 --yes      # a re-run within 60 s logs in to no host
  haforge keeper stop`,
};

/** Words of `text` in lines of at most `width` characters (a line break in the text is kept). */
function wrap(text: string, width: number): string[] {
  return text.split('\n').flatMap((para) => {
    const lines: string[] = [];
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + 1 + word.length > width) [lines[lines.length], line] = [line, word];
      else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line];
  });
}

/** One flag of the registry in help: usage, then the description, wrapped and indented under itself (on the next
 * line when the usage is wider than its column). */
function flagLine(o: RunOption, width: number): string {
  const dflt = o.default !== undefined ? ` (default ${String(o.default)})` : '';
  const usage = `  ${flagUsage(o)}`;
  const indent = ' '.repeat(width + 3);
  const text = wrap(`${o.description}${dflt}`, 116 - indent.length);
  const head = usage.length > width + 2 ? [usage, `${indent}${text[0]}`] : [`${usage.padEnd(width + 2)} ${text[0]}`];
  return [...head, ...text.slice(1).map((l) => `${indent}${l}`)].join('\n');
}

export function helpText(topic: string | undefined, options: readonly RunOption[], secrets: readonly SecretSpec[]): string {
  if (topic && TOPICS[topic]) return TOPICS[topic]! + WAYS;
  const unknown = topic && topic !== 'help' ? `(no help on "${topic}"; topics: ${Object.keys(TOPICS).join(', ')})\n\n` : '';
  const extra: string[] = [];
  if (options.length) extra.push('', '', 'Recipe options (also settable as inventory vars, with underscores):', ...options.map((o) => flagLine(o, 40)));
  if (secrets.length) {
    extra.push('', 'Secrets (never on the command line):');
    for (const s of secrets) extra.push(`  ${s.env.padEnd(24)} ${s.description}${s.fileFlag ? `; or --${s.fileFlag} FILE` : ''}`);
  }
  return unknown + MAIN(['Options:', ...runnerFlags.map((o) => flagLine(o, 24))].join('\n')) + extra.join('\n');
}
