// What the recipe e2e tests share: the labs the global setup brought up (vitest inject), running the same
// scenario on both labs at once, inventories with extra vars, SSH to lab hosts with the project's transport,
// and `up` with the stats password.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { parse, stringify } from 'yaml';
import { labExec, type LabInfo } from '../../runner/lab/index.js';
import { connect, type Remote } from '../../runner/transport/index.js';
import { expectSuccess, haforge, type CliRun, type Report } from './haforge-cli.js';

export const STATS_USER = 'admin';
export const STATS_PASSWORD = 'e2e-stats-Pw.1';
export const STATS_ENV = { HAFORGE_STATS_PASSWORD: STATS_PASSWORD };
export const HAPROXY_BRANCH: Record<string, string> = { bookworm: '2.6', trixie: '3.0' };

/** The labs from the global setup, and why the e2e tests skip ('' when they run). */
export function e2eLabs(): { labs: LabInfo[]; skip: string } {
  const labs = inject('labs') ?? [];
  const skip = inject('labSkip') ?? '';
  if (!skip && labs.length === 0) return { labs, skip: 'no e2e labs were provided by the global setup' };
  return { labs, skip };
}

/** A lab name of a test file's own, from the e2e prefix (<= 6 characters) and a suffix of 2: two e2e runs on one
 * machine never share one. */
export const ownLabName = (suffix: string): string => `${process.env.HAFORGE_E2E_PREFIX || 'hfe2e'}${suffix}`;

export const lbOf = (lab: LabInfo) => lab.hosts.find((h) => h.group === 'lb')!;
export const websOf = (lab: LabInfo) => lab.hosts.filter((h) => h.group === 'web');
export const tag = (lab: LabInfo) => `${lab.suite} (${lab.name})`;

/**
 * Runs fn for every lab at once and waits for all of them; a failure names its lab. Both labs always finish
 * their work (no half-done lab left behind because the other one failed first).
 */
export async function onEach<T>(labs: readonly LabInfo[], fn: (lab: LabInfo) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(labs.map((lab) => fn(lab)));
  const errors = settled.flatMap((s, i) => (s.status === 'rejected' ? [`[${tag(labs[i]!)}] ${(s.reason as Error)?.stack ?? String(s.reason)}`] : []));
  if (errors.length) {
    const err = new Error(errors.join('\n\n'));
    err.stack = err.message;
    throw err;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** A folder for one test file's inventories; remove() at the end. */
export async function scratch(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `haforge-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

interface InventoryDoc {
  vars?: Record<string, unknown>;
  groups: Record<string, { hosts: Record<string, { address: string; vars?: Record<string, unknown> }> }>;
  [k: string]: unknown;
}

/**
 * A copy of the lab's inventory with global vars added and host fields changed (e.g. an address), written
 * into dir. The lab's own inventory file is never modified.
 */
export async function inventoryWith(
  lab: LabInfo,
  dir: string,
  name: string,
  edit: { vars?: Record<string, unknown>; hosts?: Record<string, { address?: string; vars?: Record<string, unknown> }> } = {},
): Promise<string> {
  const doc = parse(await readFile(lab.files.inventory, 'utf8')) as InventoryDoc;
  if (edit.vars) doc.vars = { ...doc.vars, ...edit.vars };
  for (const [host, change] of Object.entries(edit.hosts ?? {})) {
    const group = Object.values(doc.groups).find((g) => g.hosts[host]);
    if (!group) throw new Error(`lab ${lab.name} inventory has no host ${host}`);
    Object.assign(group.hosts[host]!, change);
  }
  const file = path.join(dir, `${lab.name}-${name}.yaml`);
  await writeFile(file, `# ${name}: lab ${lab.name} inventory, changed by a test\n${stringify(doc)}`);
  return file;
}

/** `haforge COMMAND -i LAB-INVENTORY --json ARGS...` with the stats password in the environment. */
export function cli(lab: LabInfo, command: string[], args: string[] = [], inventory = lab.files.inventory): Promise<CliRun> {
  return haforge([...command, '-i', inventory, '--json', ...args], { env: STATS_ENV });
}

/** `haforge up` with these flags; throws with a summary unless it exits 0. */
export async function up(lab: LabInfo, args: string[] = [], inventory?: string): Promise<Report> {
  return expectSuccess(await cli(lab, ['up'], args, inventory));
}

const remotes = new Map<string, Promise<Remote>>();

/** One SSH connection per lab host for the whole test file (root by key, the lab's known_hosts, strict). */
export function ssh(lab: LabInfo, host: string): Promise<Remote> {
  const key = `${lab.name}/${host}`;
  let r = remotes.get(key);
  if (!r) {
    const h = lab.hosts.find((x) => x.name === host);
    if (!h) throw new Error(`lab ${lab.name} has no host ${host}`);
    r = connect({
      name: host,
      address: h.address,
      port: 22,
      user: 'root',
      auth: { kind: 'key', keyFile: lab.files.key },
      knownHostsFile: lab.files.knownHosts,
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
    });
    r.catch(() => remotes.delete(key));
    remotes.set(key, r);
  }
  return r;
}

/** Runs cmd on the host over SSH; resolves with stdout, throws with stderr on a non-zero exit. */
export async function sshRun(lab: LabInfo, host: string, cmd: string, stdin?: string): Promise<string> {
  const r = await (await ssh(lab, host)).run(cmd, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`${lab.name}/${host}: \`${cmd}\` exited ${String(r.code)}: ${(r.stderr || r.stdout).trim().slice(-1500)}`);
  return r.stdout;
}

/** Exit code and output, whatever the exit code. */
export async function sshTry(lab: LabInfo, host: string, cmd: string): Promise<{ code: number | null; out: string }> {
  const r = await (await ssh(lab, host)).run(cmd);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** Closes the connections of one lab (before it goes down), or all of them. */
export async function closeSsh(labName?: string): Promise<void> {
  const keys = [...remotes.keys()].filter((k) => labName === undefined || k.startsWith(`${labName}/`));
  const all = keys.map((k) => remotes.get(k)!);
  for (const k of keys) remotes.delete(k);
  await Promise.all(all.map((p) => p.then((r) => r.close()).catch(() => undefined)));
}

/** A machine-side command inside a host (no SSH): fault injection. Throws on a non-zero exit. */
export async function inHost(lab: LabInfo, host: string, cmd: string): Promise<string> {
  const r = await labExec(lab, host, cmd, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${lab.name}/${host} (labExec): \`${cmd}\` exited ${String(r.code)}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

// ---------------------------------------------------------------- the load balancer, seen from inside

export const CONFIG = '/etc/haproxy/haproxy.cfg';

/** PIDs of every haproxy process on the LB, sorted. A reload (sysv -sf or a master's new worker) brings a new one. */
export async function haproxyPids(lab: LabInfo): Promise<number[]> {
  const out = await sshTry(lab, lbOf(lab).name, 'pidof haproxy');
  return out.out.trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
}

export async function configHash(lab: LabInfo): Promise<string> {
  return (await sshRun(lab, lbOf(lab).name, `sha256sum ${CONFIG}`)).split(' ')[0]!;
}

export async function installedBranch(lab: LabInfo): Promise<string> {
  const v = await sshRun(lab, lbOf(lab).name, 'haproxy -v');
  const m = /HAProxy version (\d+\.\d+)/.exec(v);
  if (!m) throw new Error(`haproxy -v said: ${v}`);
  return m[1]!;
}

/**
 * The installed config through the installed haproxy with warnings fatal (`-dW -c`): returns the output;
 * throws when it exits non-zero or prints any WARNING or ALERT.
 */
export async function checkConfigClean(lab: LabInfo): Promise<string> {
  const r = await sshTry(lab, lbOf(lab).name, `haproxy -dW -c -f ${CONFIG}`);
  if (r.code !== 0 || /WARNING|ALERT/.test(r.out)) {
    throw new Error(`haproxy -dW -c -f ${CONFIG} on ${lab.name}: exit ${String(r.code)}\n${r.out}`);
  }
  return r.out;
}

// ---------------------------------------------------------------- shared-lab hygiene

/**
 * Other e2e files share the labs and may leave a web server of their own on :80/:443 of a host (the lab's own
 * test installs lighttpd everywhere), which would keep apache from starting and haproxy from binding. Stops
 * such listeners (anything but apache2 and haproxy) and keeps them from starting at boot. Returns what it
 * stopped, as `host: program`.
 */
export async function stopForeignWebServers(lab: LabInfo): Promise<string[]> {
  const stopped: string[] = [];
  await Promise.all(
    lab.hosts.map(async (h) => {
      const r = await labExec(lab, h.name, "ss -Hltnp '( sport = :80 or sport = :443 )' 2>/dev/null", { timeoutMs: 30_000 });
      const found = new Map<string, string>();
      for (const m of r.stdout.matchAll(/\("([^"]+)",pid=(\d+)/g)) if (m[1] !== 'apache2' && m[1] !== 'haproxy') found.set(m[1]!, m[2]!);
      for (const [name, pid] of found) {
        // By its init script, else by the PID ss named.
        await labExec(lab, h.name, `service ${name} stop >/dev/null 2>&1 || kill ${pid}; update-rc.d ${name} disable >/dev/null 2>&1; true`, { timeoutMs: 60_000 });
        stopped.push(`${h.name}: ${name}`);
      }
    }),
  );
  return stopped;
}

/** What every recipe test file does first: no foreign web server in the way, then the default variant, converged. */
export async function convergeDefault(lab: LabInfo): Promise<Report> {
  const stopped = await stopForeignWebServers(lab);
  if (stopped.length) process.stderr.write(`[recipes e2e] ${lab.name}: stopped leftover web servers (${stopped.join(', ')})\n`);
  return up(lab);
}
