// What the machine must offer before the lab makes anything: checked first so a refusal leaves nothing behind.
import { existsSync, readFileSync } from 'node:fs';
import { sh } from './proc.js';

/** Exit code for "this machine cannot run the lab" (not root, no namespaces...). */
export const EXIT_UNSUPPORTED = 2;
/** Exit code for a bad flag value (haforge's usage error). */
export const EXIT_USAGE = 2;

export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

const TOOLS = ['ip', 'unshare', 'nsenter', 'mount', 'umount', 'chroot', 'ssh-keygen', 'chpasswd'];

async function have(cmd: string): Promise<boolean> {
  return (await sh`command -v ${cmd}`).exitCode === 0;
}

/** One line saying what is missing, or undefined when the machine can host a lab. */
export async function machineProblem(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'haforge lab needs Linux (network namespaces and overlayfs)';
  if (process.getuid?.() !== 0) return 'haforge lab needs root: run it with sudo';
  if (!existsSync('/proc/self/ns/net')) return 'haforge lab needs a kernel with network namespaces';
  for (const tool of TOOLS) {
    if (!(await have(tool))) return `haforge lab needs the command ${tool} (packages iproute2, util-linux, openssh-client, passwd)`;
  }
  // Creating a namespace is the only honest test (containers often forbid it); this one vanishes at once.
  if ((await sh`unshare --net --mount true`).exitCode !== 0)
    return 'haforge lab needs permission to create network namespaces (run as root outside a restricted container)';
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    await sh`modprobe overlay`;
    if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) return 'haforge lab needs overlayfs (modprobe overlay)';
  }
  return undefined;
}

/** debootstrap comes from the machine's own apt; installed here when missing, saying so. */
export async function ensureMachinePackages(log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  if (!(await have('debootstrap'))) missing.push('debootstrap');
  if (missing.length === 0) return;
  log(`installing ${missing.join(' and ')} on this machine (apt-get install -y ${missing.join(' ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = await sh({ env })`apt-get install -y --no-install-recommends ${missing}`;
  if (r.exitCode !== 0) {
    const upd = await sh({ env })`apt-get update`;
    const again = upd.exitCode === 0 ? await sh({ env })`apt-get install -y --no-install-recommends ${missing}` : upd;
    if (again.exitCode !== 0) throw new LabError(`could not install ${missing.join(', ')}: ${again.stderr.trim().split('\n').pop()}`);
  }
}
