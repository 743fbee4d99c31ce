// `haforge lab up|down|status|help`: argument parsing and what is printed. The work is in up/down/status.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROXY_MARK } from './proxy.js';
import { labDown } from './down.js';
import { DEFAULT_NAME, DEFAULT_WEB, INITS, MAX_LB, MAX_WEB, SUITES, SUDO_USER, type Init, type Suite } from './paths.js';
import { LabError } from './preflight.js';
import { labStatus } from './status.js';
import { labUp } from './up.js';
import type { LabInfo } from './state.js';

export const LAB_HELP = `haforge lab: throwaway Debian hosts on this machine (root only)

  haforge lab up [--suite bookworm|trixie] [--init systemd|sysv] [--lb N | --lbs N] [--web N] [--subnet A.B.C] [--name NAME]
                 [--block-services]
      --lb N load balancers (lb1..; default 1, at most ${MAX_LB}) and --web N web nodes (web1..; default ${DEFAULT_WEB},
      at most ${MAX_WEB}), each in its own network namespace with sshd, on a private /24 (default: the first free
      10.213.X). Writes an inventory, known_hosts, an ssh config and keys into the lab's state folder and prints
      their paths.
      --init: the hosts' PID 1: systemd (default; one systemd-nspawn --boot per host, needs systemd-container
      and cgroup2) or sysv (tini, sshd started by its init script; works without either).
      --block-services: packages do not start their services on install (as in a Docker build).
  haforge lab status [--name NAME]   what is up, addresses, whether each sshd answers
  haforge lab down [--name NAME]     removes everything up made (keeps the base-image cache)

  NAME defaults to ${DEFAULT_NAME} (lower-case letters and digits, at most 8). Folders: state in
  $HAFORGE_LAB_STATE (default /var/lib/haforge/lab/NAME), base images and apt cache in $HAFORGE_LAB_CACHE
  (default /var/cache/haforge/lab). Hosts have no route out; apt goes through the lab's own apt proxy,
  which may reach Debian's mirror only.`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      suite: { type: 'string' },
      init: { type: 'string' },
      web: { type: 'string' },
      lb: { type: 'string' },
      lbs: { type: 'string' }, // alias of --lb (`lab up --lbs 2`: an HA pair)
      subnet: { type: 'string' },
      name: { type: 'string' },
      'block-services': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      // serve-proxy (internal: how `lab up` starts the apt proxy)
      bind: { type: 'string' },
      port: { type: 'string' },
      cache: { type: 'string' },
      mirror: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  return { values, positionals };
}

function describe(lab: LabInfo): string[] {
  const width = Math.max(...lab.hosts.map((h) => h.name.length));
  return [
    ...lab.hosts.map((h) => `  ${h.name.padEnd(width)}  ${h.address}`),
    `  inventory:   ${lab.files.inventory}   (root by key; haforge up -i FILE)`,
    `               ${lab.files.inventoryAdmin}   (${SUDO_USER} + sudo)`,
    `  by hand:     ssh -F ${lab.files.sshConfig} web1`,
    `  sudo user:   ${SUDO_USER}, password in ${lab.files.sudoPassword}`,
    `  apt proxy:   ${lab.proxy.url}`,
  ];
}

export async function labCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    err(`haforge lab: ${(e as Error).message} (see \`haforge lab help\`)`);
    return 2;
  }
  const { values, positionals } = parsed;
  const sub = positionals[0] ?? 'help';
  const internal = (['bind', 'port', 'cache', 'mirror', 'dir'] as const).filter((k) => values[k] !== undefined);
  if (sub !== PROXY_MARK && internal.length) {
    err(`haforge lab ${sub}: unknown option --${internal[0]!} (see \`haforge lab help\`)`);
    return 2;
  }
  if (values.help || sub === 'help') {
    out(LAB_HELP);
    return 0;
  }
  if (positionals.length > 1) {
    err(`haforge lab ${sub}: unexpected ${positionals.slice(1).join(' ')} (see \`haforge lab help\`)`);
    return 2;
  }
  const name = values.name ?? DEFAULT_NAME;
  try {
    switch (sub) {
      case 'up':
        return await up(name, values);
      case 'down': {
        const removed = await labDown(name, { log: err });
        if (!removed) out(`lab ${name} is not up: nothing to remove`);
        return 0;
      }
      case 'status':
        return await status(name);
      case PROXY_MARK: {
        const { bind, port, cache, mirror, dir } = values;
        if (!bind || !port || !cache || !mirror || !dir) {
          err('haforge lab serve-proxy: internal; started by `haforge lab up` with --bind --port --cache --mirror --dir');
          return 2;
        }
        const { serveAptProxy } = await import('./apt-proxy.js');
        return await serveAptProxy({ bind, port: Number(port), cacheDir: cache, mirror, accessLog: path.join(dir, 'access.log') });
      }
      default:
        err(`haforge lab: unknown subcommand ${sub}; use up, down, status or help`);
        return 2;
    }
  } catch (e) {
    if (e instanceof LabError) {
      err(`haforge lab ${sub}: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

async function up(name: string, values: ReturnType<typeof parse>['values']): Promise<number> {
  if (values.suite !== undefined && !SUITES.includes(values.suite as Suite)) {
    err(`haforge lab up: --suite must be one of ${SUITES.join(', ')}`);
    return 2;
  }
  if (values.web !== undefined && !/^\d+$/.test(values.web)) {
    err(`haforge lab up: --web must be a whole number from 1 to ${MAX_WEB}`);
    return 2;
  }
  if (values.init !== undefined && !INITS.includes(values.init as Init)) {
    err(`haforge lab up: --init must be one of ${INITS.join(', ')}`);
    return 2;
  }
  values.lb ??= values.lbs;
  if (values.lb !== undefined && !/^\d+$/.test(values.lb)) {
    err(`haforge lab up: --lb must be a whole number from 1 to ${MAX_LB}`);
    return 2;
  }
  // Hosts are detached and survive us; an interrupted up leaves things that `down` removes: say so.
  const onSignal = () => {
    err(`\ninterrupted: remove what was made with \`haforge lab down --name ${name}\``);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const lab = await labUp({
      name,
      suite: values.suite as Suite | undefined,
      init: values.init as Init | undefined,
      web: values.web === undefined ? undefined : Number(values.web),
      lb: values.lb === undefined ? undefined : Number(values.lb),
      subnet: values.subnet,
      blockServices: values['block-services'],
      log: err,
    });
    out(
      lab.alreadyUp
        ? `lab ${name} is already up (${lab.suite}):`
        : `lab ${name} is up (Debian ${lab.suite}, ${lab.init}, ${lab.hosts.length} hosts) in ${lab.seconds.toFixed(1)} s:`,
    );
    describe(lab).forEach((l) => out(l));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function status(name: string): Promise<number> {
  const s = await labStatus(name);
  if (s.state === 'absent') {
    out(`lab ${name} is not up`);
    return 1;
  }
  if (!s.info) {
    out(`lab ${name} is broken: ${s.traces.join(', ')}; remove it with \`haforge lab down --name ${name}\``);
    return 1;
  }
  out(`lab ${name} (Debian ${s.info.suite}, ${s.info.init}, ${s.info.subnet}.0/24): ${s.state}`);
  for (const h of s.hosts) out(`  ${h.name.padEnd(6)} ${h.address.padEnd(15)} ${h.running ? 'running' : 'stopped'}  sshd ${h.sshd ? 'answers' : 'does not answer'}`);
  out(`  apt proxy ${s.info.proxy.url}: ${s.proxy ? 'running' : 'stopped'}`);
  out(`  inventory: ${s.info.files.inventory}`);
  if (s.state === 'broken') out(`  some parts are down: \`haforge lab down --name ${name}\` then \`haforge lab up\``);
  return s.state === 'up' ? 0 : 1;
}
