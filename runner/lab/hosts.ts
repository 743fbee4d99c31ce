// One lab host: an overlay root over the cached base, its own files in the upper layer, and a first process in
// the host's namespaces: systemd-nspawn -> systemd (nspawn.ts), or for sysv hosts init.sh -> tini -> host-init -> sshd.
import { spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostDirs, netnsName, SUDO_USER, type Init } from './paths.js';
import { stopSystemdHost, systemdPid } from './nspawn.js';
import { alive, children, cmdline, killIfOurs, shx, waitFor } from './proc.js';
import { policyRcD } from './scripts.js';
import { LabError } from './preflight.js';

/** What every host of one lab shares, computed once by up. */
export interface LabFiles {
  hosts: string;
  authorizedKeys: string;
  /** The sudo user's line for /etc/shadow (hash only; the password itself never enters a host file). */
  shadowLine: string;
  aptProxy: string;
  blockServices: boolean;
}

function put(root: string, rel: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode });
  if (owner) chownSync(file, owner.uid, owner.gid);
}

/** uid/gid of a user in a root filesystem's /etc/passwd. */
export function userIds(root: string, user: string): { uid: number; gid: number } {
  const line = readFileSync(path.join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new LabError(`no user ${user} in ${root}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Mounts the host's overlay root (upper and work in the lab's state folder, so `down` removes them). */
export async function mountRoot(state: string, host: string, base: string): Promise<string> {
  const d = hostDirs(state, host);
  for (const dir of [d.upper, d.work, d.root]) mkdirSync(dir, { recursive: true });
  await shx`mount -t overlay overlay -o ${`lowerdir=${base},upperdir=${d.upper},workdir=${d.work}`} ${d.root}`;
  return d.root;
}

/** Writes the host's own files into its (mounted) root: they land in the upper layer, never in the base. */
export async function writeHostFiles(root: string, host: string, files: LabFiles): Promise<void> {
  put(root, 'etc/hostname', `${host}\n`, 0o644);
  put(root, 'etc/hosts', files.hosts, 0o644);
  put(root, 'etc/apt/apt.conf.d/01haforge-lab-proxy', files.aptProxy, 0o644);
  put(root, 'usr/sbin/policy-rc.d', policyRcD(files.blockServices), 0o755);
  put(root, 'root/.ssh/authorized_keys', files.authorizedKeys, 0o600);
  const ids = userIds(root, SUDO_USER);
  mkdirSync(path.join(root, 'home', SUDO_USER, '.ssh'), { recursive: true, mode: 0o700 });
  chownSync(path.join(root, 'home', SUDO_USER, '.ssh'), ids.uid, ids.gid);
  put(root, `home/${SUDO_USER}/.ssh/authorized_keys`, files.authorizedKeys, 0o600, ids);
  const shadow = path.join(root, 'etc/shadow');
  const lines = readFileSync(shadow, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${SUDO_USER}:`));
  if (i < 0) throw new LabError(`no ${SUDO_USER} in ${shadow}`);
  lines[i] = files.shadowLine;
  writeFileSync(shadow, lines.join('\n')); // an existing file: copy-up keeps its mode and group (shadow)
  // Per-host keys: a shared key would make known_hosts checks meaningless.
  await shx`ssh-keygen -q -t ed25519 -N ${''} -C ${`root@${host}`} -f ${path.join(root, 'etc/ssh/ssh_host_ed25519_key')}`;
}

export function hostPublicKey(root: string): string {
  return readFileSync(path.join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/**
 * Starts the host's first process, detached so it outlives `haforge lab up`. Returns the PID of unshare,
 * whose only child is the host's PID 1 (tini once init.sh has set things up).
 */
export function startHost(lab: string, state: string, host: string, address: string, initSh: string): number {
  const d = hostDirs(state, host);
  const log = openSync(d.log, 'a');
  const child = spawn(
    'ip',
    ['netns', 'exec', netnsName(lab, host), 'unshare', '--mount', '--uts', '--ipc', '--pid', '--fork', '--propagation', 'private', 'sh', initSh, d.root, host, `${address}/24`],
    { detached: true, stdio: ['ignore', log, log], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  closeSync(log);
  child.unref();
  if (!child.pid) throw new LabError(`could not start host ${host}`);
  return child.pid;
}

/** Markers a recorded host PID's command line must still show before we signal it (nspawn.sh, then nspawn). */
export function hostMarkers(state: string, host: string, init: Init): string[] {
  return [init === 'systemd' ? 'nspawn' : 'unshare', hostDirs(state, host).root];
}

/**
 * The host's PID 1 (systemd or tini), as seen from the machine, or undefined when the host is not running.
 * firstPid is the recorded PID: systemd-nspawn or unshare, whose child is the host's PID 1.
 */
export function hostInitPid(state: string, host: string, firstPid: number | undefined, init: Init): number | undefined {
  if (!firstPid || !alive(firstPid)) return undefined;
  const argv = cmdline(firstPid)?.join(' ') ?? '';
  if (!hostMarkers(state, host, init).every((m) => argv.includes(m))) return undefined;
  return init === 'systemd' ? systemdPid(firstPid) : children(firstPid)[0];
}

/**
 * Stops a host, only after checking the recorded PID is still ours. systemd: an orderly poweroff (nspawn.ts).
 * sysv: SIGKILL to its PID 1 makes the kernel kill everything in its PID namespace; then unshare exits.
 */
export async function stopHost(state: string, host: string, unsharePid: number | undefined, hostInit: Init): Promise<void> {
  if (!unsharePid) return;
  if (hostInit === 'systemd') {
    if (!hostMarkers(state, host, hostInit).every((m) => (cmdline(unsharePid)?.join(' ') ?? '').includes(m))) return;
    return stopSystemdHost(unsharePid, hostInitPid(state, host, unsharePid, hostInit));
  }
  const init = hostInitPid(state, host, unsharePid, hostInit);
  if (init) {
    try {
      process.kill(init, 'SIGKILL');
    } catch {
      /* already gone */
    }
    if (await waitFor(() => !alive(unsharePid) && !alive(init), 3000)) return;
  }
  // No PID 1 yet (or it would not die): end unshare itself; `down` then sweeps the namespace's PIDs.
  killIfOurs(unsharePid, hostMarkers(state, host, hostInit));
  await waitFor(() => !alive(unsharePid), 3000);
}

/** Last lines of a host's init log, for error messages. */
export function initLogTail(state: string, host: string): string {
  try {
    return readFileSync(hostDirs(state, host).log, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
