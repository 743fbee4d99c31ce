// systemd hosts: one `systemd-nspawn --boot` per host in the host's network namespace, in a cgroup of its own
// (made before nspawn starts, removed by down). Measured on this machine: /work/shared/notes/systemd-lab.md.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { cgroupName, hostDirs, netnsName } from './paths.js';
import { alive, children, listDir, sh, waitFor } from './proc.js';
import { LabError } from './preflight.js';

const CGROUP = '/sys/fs/cgroup';

/**
 * Where a host's cgroup goes: the cgroup2 root alone on a unified machine; on a hybrid one (v1 controllers,
 * cgroup2 at /sys/fs/cgroup/unified) both the cgroup2 and the name=systemd hierarchy, as nspawn reads both.
 * Undefined without a cgroup2 where nspawn looks for it.
 */
export function cgroupRoots(mounts: string): string[] | undefined {
  const fstype = (point: string) => mounts.split('\n').map((l) => l.split(' ')).find((f) => f[1] === point)?.[2];
  if (fstype(CGROUP) === 'cgroup2') return [CGROUP];
  if (fstype(`${CGROUP}/unified`) !== 'cgroup2') return undefined;
  return fstype(`${CGROUP}/systemd`) === 'cgroup' ? [`${CGROUP}/unified`, `${CGROUP}/systemd`] : undefined;
}

const machineCgroupRoots = () => cgroupRoots(readFileSync('/proc/mounts', 'utf8'));

/** One line naming what this machine lacks for systemd hosts, or undefined. */
export function systemdProblemOf(have: { nspawn: boolean; mounts: string }): string | undefined {
  const fallback = '; `--init sysv` (tini + sshd hosts) works on this machine';
  if (!have.nspawn) return `systemd hosts need systemd-nspawn (apt-get install systemd-container)${fallback}`;
  if (!cgroupRoots(have.mounts))
    return `systemd hosts need a cgroup2 hierarchy at ${CGROUP} or ${CGROUP}/unified (with name=systemd at ${CGROUP}/systemd)${fallback}`;
  return undefined;
}

export async function systemdProblem(): Promise<string | undefined> {
  const nspawn = (await sh`command -v systemd-nspawn`).exitCode === 0;
  return systemdProblemOf({ nspawn, mounts: readFileSync('/proc/mounts', 'utf8') });
}

/** The lab's cgroup folders that exist now (any hierarchy), deepest first: what down removes. */
export function labCgroups(lab: string): string[] {
  const re = new RegExp(`^haforge-${lab}-(lb\\d+|web\\d+)$`);
  const found: string[] = [];
  for (const root of machineCgroupRoots() ?? []) {
    for (const entry of listDir(root).filter((e) => re.test(e))) {
      const dir = path.join(root, entry);
      // nspawn --keep-unit makes payload/ and supervisor/ (and the host's systemd its own tree in payload/).
      found.push(...subdirs(dir), dir);
    }
  }
  return found;
}

function subdirs(dir: string): string[] {
  const out: string[] = [];
  for (const e of listDir(dir)) {
    const sub = path.join(dir, e);
    if (existsSync(path.join(sub, 'cgroup.procs'))) out.push(...subdirs(sub), sub);
  }
  return out;
}

/** PIDs in one cgroup folder (not its children). */
export function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Removes the lab's (empty) cgroups; one that still holds a process stays and shows in labTraces. */
export async function removeCgroups(lab: string): Promise<void> {
  await waitFor(() => {
    for (const dir of labCgroups(lab)) {
      try {
        rmdirSync(dir);
      } catch {
        /* busy for a moment while the last processes exit, or already gone */
      }
    }
    return labCgroups(lab).length === 0;
  }, 3000, 50);
}

/**
 * Starts the host: nspawn.sh configures eth0 in the namespace, moves itself into the host's cgroups and execs
 * systemd-nspawn, which stays the recorded PID. Detached, so the host outlives `haforge lab up`.
 */
export function startSystemdHost(lab: string, state: string, host: string, address: string, script: string): number {
  const roots = machineCgroupRoots();
  if (!roots) throw new LabError('no cgroup2 hierarchy for systemd hosts');
  const cgroups = roots.map((r) => path.join(r, cgroupName(lab, host)));
  for (const dir of cgroups) mkdirSync(dir, { recursive: true });
  const d = hostDirs(state, host);
  const log = openSync(d.log, 'a');
  const child = spawn('sh', [script, d.root, host, `${address}/24`, netnsName(lab, host), ...cgroups], {
    detached: true,
    stdio: ['ignore', log, log],
    // /proc/sys/net writable (it is the host's own network namespace): a real machine lets root set
    // net.ipv4.ip_nonlocal_bind, which an HA pair's backup needs to bind the VIP (issue 16).
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SYSTEMD_NSPAWN_API_VFS_WRITABLE: 'network' },
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new LabError(`could not start host ${host}`);
  return child.pid;
}

/** The host's systemd (PID 1 inside), once nspawn has exec'd it; undefined before that or when gone. */
export function systemdPid(nspawnPid: number): number | undefined {
  const pid = children(nspawnPid)[0];
  if (!pid) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the host: SIGTERM makes nspawn power the host off in order (its units stop, its mounts go). A host
 * that does not go within the time is killed: SIGKILL to its PID 1 ends its whole PID namespace.
 */
export async function stopSystemdHost(nspawnPid: number, inner: number | undefined): Promise<void> {
  try {
    process.kill(nspawnPid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitFor(() => !alive(nspawnPid), 15_000, 50)) return;
  for (const pid of [inner, nspawnPid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await waitFor(() => !alive(nspawnPid), 3000);
}
