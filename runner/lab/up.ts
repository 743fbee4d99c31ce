// Bringing a lab up: network, apt proxy, base image, then every host at once; done when every sshd answers.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBase } from './base-image.js';
import { labDown, labTraces } from './down.js';
import { startHosts } from './boot.js';
import { hostInitPid, hostPublicKey, mountRoot, writeHostFiles, type LabFiles } from './hosts.js';
import { systemdProblem } from './nspawn.js';
import { writeAccessFiles } from './inventory.js';
import { addHostLinks, createBridge, subnetConflicts } from './network.js';
import {
  aptCacheDir,
  bridgeName,
  checkName,
  DEFAULT_INIT,
  DEFAULT_LB,
  DEFAULT_NAME,
  DEFAULT_WEB,
  INITS,
  MAX_LB,
  MAX_WEB,
  stateRoot,
  SUDO_USER,
  SUITES,
  type Init,
  type Suite,
} from './paths.js';
import { planLab } from './plan.js';
import { EXIT_UNSUPPORTED, EXIT_USAGE, LabError, ensureMachinePackages, machineProblem } from './preflight.js';
import { alive, listDir, shx, trace, withPidLock } from './proc.js';
import { startProxy } from './proxy.js';
import { CACHE_KEEP_DAYS, pruneAptCaches } from './cache-prune.js';
import { readLab, writeLab, type LabInfo } from './state.js';

export interface UpOptions {
  name?: string;
  suite?: Suite;
  /** Number of web nodes (default 2). */
  web?: number;
  /** Number of load balancers, lb1..lbN (default 1, at most 9). */
  lb?: number;
  /** PID 1 of the hosts: systemd (default) or sysv (tini + sshd). */
  init?: Init;
  /** A.B.C of a private /24; default: the first free 10.213.X. */
  subnet?: string;
  /** Keep services from starting on package install (policy-rc.d exits 101). */
  blockServices?: boolean;
  log?: (line: string) => void;
  /** Tests: seconds a systemd host may take to boot (default 60). */
  bootLimitS?: number;
  /** Tests: called with each host's mounted root after its files are written, before it boots. */
  beforeBoot?: (root: string, host: string) => void;
}

export interface LabUpResult extends LabInfo {
  /** The lab was already up: nothing was made. */
  alreadyUp: boolean;
  /** Wall time of this call. */
  seconds: number;
}

const SUBNET_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isPrivate(subnet: string): boolean {
  const m = SUBNET_RE.exec(subnet);
  if (!m) return false;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (a > 255 || b > 255 || c > 255) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function otherLabSubnets(name: string): Map<string, string> {
  const used = new Map<string, string>();
  for (const other of listDir(stateRoot())) {
    if (other === name || other.startsWith('.')) continue;
    const lab = readLab(other);
    if (lab) used.set(lab.subnet, other);
  }
  return used;
}

async function chooseSubnet(name: string, requested: string | undefined): Promise<string> {
  const used = otherLabSubnets(name);
  if (requested) {
    if (!isPrivate(requested)) throw new LabError(`--subnet ${requested}: give A.B.C of a private /24 (10.x.y, 172.16-31.x, 192.168.x)`);
    const owner = used.get(requested);
    if (owner) throw new LabError(`--subnet ${requested} is used by lab ${owner}; pick another one`);
    const clash = await subnetConflicts(requested, bridgeName(name));
    if (clash.length) throw new LabError(`--subnet ${requested} overlaps this machine's route ${clash[0]}; pick another one`);
    return requested;
  }
  for (let c = 0; c < 256; c++) {
    const subnet = `10.213.${c}`;
    if (!used.has(subnet) && (await subnetConflicts(subnet, bridgeName(name))).length === 0) return subnet;
  }
  throw new LabError('no free 10.213.X.0/24 for the lab; pass --subnet A.B.C');
}

/** Up and healthy: every recorded host has its PID 1, and the proxy runs. */
export function isHealthy(lab: LabInfo | undefined): lab is LabInfo {
  if (!lab || lab.status !== 'up' || !alive(lab.proxy.pid)) return false;
  return lab.hosts.every((h) => hostInitPid(lab.stateDir, h.name, h.pid, lab.init) !== undefined);
}

interface Validated {
  name: string;
  suite: Suite;
  init: Init;
  web: number;
  lb: number;
}

function validate(opts: UpOptions): Validated {
  const name = opts.name ?? DEFAULT_NAME;
  const bad = checkName(name);
  if (bad) throw new LabError(bad, EXIT_USAGE);
  const suite = opts.suite ?? 'bookworm';
  if (!SUITES.includes(suite)) throw new LabError(`--suite must be one of ${SUITES.join(', ')}`, EXIT_USAGE);
  const web = opts.web ?? DEFAULT_WEB;
  if (!Number.isInteger(web) || web < 1 || web > MAX_WEB) throw new LabError(`--web must be a whole number from 1 to ${MAX_WEB}`, EXIT_USAGE);
  const lb = opts.lb ?? DEFAULT_LB;
  if (!Number.isInteger(lb) || lb < 1 || lb > MAX_LB) throw new LabError(`--lb must be a whole number from 1 to ${MAX_LB}`, EXIT_USAGE);
  const init = opts.init ?? DEFAULT_INIT;
  if (!INITS.includes(init)) throw new LabError(`--init must be one of ${INITS.join(', ')}`, EXIT_USAGE);
  return { name, suite, init, web, lb };
}

export async function labUp(opts: UpOptions = {}): Promise<LabUpResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const want = validate(opts);
  const { name, suite } = want;
  const problem = (await machineProblem()) ?? (want.init === 'systemd' ? await systemdProblem() : undefined);
  if (problem) throw new LabError(problem, EXIT_UNSUPPORTED);
  mkdirSync(stateRoot(), { recursive: true });
  return withPidLock(path.join(stateRoot(), `.${name}.lock`), `bringing lab ${name} up`, log, async () => {
    const existing = readLab(name);
    if (isHealthy(existing)) {
      const count = (g: 'lb' | 'web') => existing.hosts.filter((h) => h.group === g).length;
      if (existing.suite !== suite || existing.init !== want.init || count('web') !== want.web || count('lb') !== want.lb)
        log(`note: lab ${name} runs ${existing.suite} (${existing.init}) with ${count('lb')} load balancer(s) and ${count('web')} web nodes; \`haforge lab down --name ${name}\` first to change it`);
      return { ...existing, alreadyUp: true, seconds: (Date.now() - t0) / 1000 };
    }
    const traces = await labTraces(name);
    if (traces.length) {
      log(`lab ${name} has leftovers of an earlier run (${traces.slice(0, 3).join(', ')}${traces.length > 3 ? ', ...' : ''}); removing them first, as \`haforge lab down --name ${name}\` would`);
      await labDown(name);
    }
    await ensureMachinePackages(log);
    try {
      const info = await build(want, opts, log);
      return { ...info, alreadyUp: false, seconds: (Date.now() - t0) / 1000 };
    } catch (e) {
      // Nothing half-made stays behind (HAFORGE_LAB_KEEP_FAILED=1 keeps it for a look).
      if (process.env.HAFORGE_LAB_KEEP_FAILED !== '1') {
        await labDown(name).catch((d: unknown) => log(`cleaning up after the failure also failed: ${(d as Error).message}`));
      } else log(`kept the failed lab for inspection; remove it with \`haforge lab down --name ${name}\``);
      throw e;
    }
  });
}

async function build(want: Validated, opts: UpOptions, log: (l: string) => void): Promise<LabInfo> {
  // Choosing a subnet and recording it in lab.json is one step under a lock: two labs brought up at the same
  // time would otherwise both take the first free one.
  return withPidLock(path.join(stateRoot(), '.subnet.lock'), 'choosing a subnet', log, async () => {
    const subnet = await chooseSubnet(want.name, opts.subnet);
    const info = planLab({ ...want, subnet, blockServices: opts.blockServices });
    mkdirSync(info.stateDir, { recursive: true, mode: 0o700 });
    writeLab(info); // before anything is made: `down` finds it all even if we die next line
    return info;
  }).then((info) => make(info, opts, log));
}

async function make(info: LabInfo, opts: UpOptions, log: (l: string) => void): Promise<LabInfo> {
  const { name, suite, gateway, stateDir: state } = info;
  trace(`up ${name}: start`);
  for (const dir of pruneAptCaches()) log(`removed the apt cache ${dir} (its lab is gone and it was not used for ${CACHE_KEEP_DAYS} days)`);
  await createBridge(name, gateway);
  const [proxyPid] = await Promise.all([
    startProxy(state, aptCacheDir(name), gateway),
    shx`ssh-keygen -q -t ed25519 -N ${''} -C ${`haforge-lab-${name}`} -f ${info.files.key}`,
  ]);
  info.proxy.pid = proxyPid;
  trace('bridge, proxy, key');
  writeLab(info);
  const base = await ensureBase(suite, info.proxy.url, log);
  trace('base ready');

  await addHostLinks(name, info.hosts.map((h, index) => ({ host: h.name, index })));
  trace('links');
  await Promise.all(info.hosts.map((h) => mountRoot(state, h.name, base)));
  trace('overlays mounted');
  const password = randomBytes(12).toString('base64url');
  writeFileSync(info.files.sudoPassword, `${password}\n`, { mode: 0o600 });
  const files: LabFiles = {
    hosts: `127.0.0.1\tlocalhost\n${info.hosts.map((h) => `${h.address}\t${h.name}`).join('\n')}\n`,
    authorizedKeys: readFileSync(`${info.files.key}.pub`, 'utf8'),
    shadowLine: await shadowLine(info.hosts[0].root, password),
    aptProxy: `// haforge lab: hosts have no route out; packages come through the lab's proxy.\nAcquire::http::Proxy "${info.proxy.url}/";\n` +
      // Seen here: a first update through apt-cacher-ng hung forever on a pipelined request (socket in CLOSE-WAIT).
      // No pipelining, and a bounded wait with retries, so a stuck fetch fails or recovers instead of holding the lock.
      `Acquire::http::Pipeline-Depth "0";\nAcquire::http::Timeout "30";\nAcquire::Retries "3";\n`,
    blockServices: info.blockServices,
  };
  await Promise.all(info.hosts.map((h) => writeHostFiles(h.root, h.name, files)));
  const hostKeys = new Map(info.hosts.map((h) => [h.name, hostPublicKey(h.root)]));
  writeAccessFiles(info, hostKeys);
  trace('host files written');

  for (const h of info.hosts) opts.beforeBoot?.(h.root, h.name);
  await startHosts(info, log, opts.bootLimitS);
  info.status = 'up';
  writeLab(info);
  return info;
}

/** The sudo user's shadow line with a fresh hash, made by chpasswd (SHA-512, accepted by both suites). */
async function shadowLine(root: string, password: string): Promise<string> {
  await shx({ input: `${SUDO_USER}:${password}\n` })`chpasswd -R ${root} -c SHA512`;
  const line = readFileSync(path.join(root, 'etc/shadow'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${SUDO_USER}:`));
  if (!line) throw new LabError(`chpasswd did not set a password for ${SUDO_USER}`);
  return line;
}
