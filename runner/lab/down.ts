// Removing a lab: host processes, namespaces, links, mounts, proxy, state; the base-image cache stays.
// Everything is found from the lab's name (and its lab.json when there is one), so this works on a half-built
// or crashed lab and twice in a row.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkName, hostDirs, stateDir } from './paths.js';
import { alive, cmdline, listDir, mountsUnder, sh, trace, unmountUnder, waitFor } from './proc.js';
import { labLinks, labNetnses, netnsPids, removeNetwork } from './network.js';
import { hostMarkers, stopHost } from './hosts.js';
import { cgroupPids, labCgroups, removeCgroups } from './nspawn.js';
import { proxyDir, stopProxy, PROXY_MARK } from './proxy.js';
import { readLab } from './state.js';
import { LabError, machineProblem, EXIT_UNSUPPORTED } from './preflight.js';

/** The proxy PID from its own pid file, written the moment it started (lab.json may not have caught up). */
function recordedProxyPid(state: string): number | undefined {
  try {
    return Number(readFileSync(path.join(proxyDir(state), 'pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Every trace of a lab on the machine, as one line each; empty when there is none. */
export async function labTraces(name: string): Promise<string[]> {
  const state = stateDir(name);
  const lab = readLab(name);
  const traces: string[] = [];
  if (existsSync(state)) traces.push(`state folder ${state}`);
  for (const ns of await labNetnses(name)) traces.push(`network namespace ${ns}`);
  for (const link of await labLinks(name)) traces.push(`link ${link}`);
  for (const m of mountsUnder(state)) traces.push(`mount ${m}`);
  for (const h of lab?.hosts ?? []) if (isOurs(h.pid, hostMarkers(state, h.name, lab!.init))) traces.push(`host process ${h.pid} (${h.name})`);
  for (const cg of labCgroups(name)) traces.push(`cgroup ${cg}`);
  const proxy = lab?.proxy.pid || recordedProxyPid(state);
  if (proxy && isOurs(proxy, [PROXY_MARK, proxyDir(state)])) traces.push(`apt proxy process ${proxy}`);
  return traces;
}

/** A recorded PID counts only while it is alive and still shows our markers (PIDs get reused). */
function isOurs(pid: number | undefined, markers: string[]): boolean {
  if (!pid || !alive(pid)) return false;
  const argv = cmdline(pid)?.join(' ') ?? '';
  return markers.every((m) => argv.includes(m));
}

export interface DownOptions {
  log?: (line: string) => void;
}

/** Removes the lab. Returns false when there was nothing to remove. Throws LabError naming any leftover. */
export async function labDown(name: string, opts: DownOptions = {}): Promise<boolean> {
  const bad = checkName(name);
  if (bad) throw new LabError(bad);
  const problem = await machineProblem();
  if (problem) throw new LabError(problem, EXIT_UNSUPPORTED);
  if ((await labTraces(name)).length === 0) return false;

  const state = stateDir(name);
  const lab = readLab(name);
  trace(`down ${name}: start`);
  // 1. Host processes: by recorded PID, then anything still inside the lab's namespaces.
  const hostNames = new Set([...(lab?.hosts.map((h) => h.name) ?? []), ...listDir(path.join(state, 'hosts'))]);
  await Promise.all(
    [...hostNames].map((h) => stopHost(state, h, lab?.hosts.find((x) => x.name === h)?.pid || undefined, lab?.init ?? 'sysv')),
  );
  const strays: number[] = [];
  for (const ns of await labNetnses(name)) strays.push(...(await netnsPids(ns)));
  // A systemd host's nspawn runs in the machine's network: its cgroup (ours by construction) finds it.
  for (const cg of labCgroups(name)) strays.push(...cgroupPids(cg));
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL'); // inside the lab's own namespace: ours by construction
    } catch {
      /* gone */
    }
  }
  await waitFor(() => strays.every((p) => !alive(p)), 3000);
  trace(`hosts stopped (${strays.length} strays)`);
  await removeCgroups(name);
  // 2. Network: namespaces (their veth ends go with them), leftover veths, the bridge.
  await removeNetwork(name);
  trace('network removed');
  // 3. The overlay roots, now that nothing runs in them.
  for (const h of hostNames) await unmountUnder(hostDirs(state, h).root);
  const mounted = await unmountUnder(state);
  trace('unmounted');
  // 4. The proxy, by its recorded PID.
  await stopProxy(state, lab?.proxy.pid || recordedProxyPid(state));
  // 5. The state folder; --one-file-system so a mount we failed to remove is never descended into.
  trace('proxy stopped');
  if (mounted.length === 0) await sh`rm -rf --one-file-system ${state}`;
  trace('state removed');
  const left = await labTraces(name);
  if (left.length) throw new LabError(`lab ${name}: could not remove ${left.join(', ')}`);
  opts.log?.(`lab ${name} is down`);
  return true;
}
