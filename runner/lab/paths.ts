// Where the lab keeps things, and how its kernel objects are named. Every name starts with the lab's
// name so two labs coexist and `down` can find all of a lab's leftovers from the name alone.
import path from 'node:path';

export type Suite = 'bookworm' | 'trixie';
export const SUITES: readonly Suite[] = ['bookworm', 'trixie'];
/** A host's PID 1: systemd under systemd-nspawn (as on every Debian server), or tini + sshd (the legacy lab). */
export type Init = 'systemd' | 'sysv';
export const INITS: readonly Init[] = ['systemd', 'sysv'];
export const DEFAULT_INIT: Init = 'systemd';
/**
 * Bump when the base image's content changes. It is part of the cache folder's name, so branches (or
 * installed versions) that want different bases never rebuild each other's out from under a lab.
 */
export const BASE_VERSION = 2;

export const DEFAULT_NAME = 'hflab';
export const DEFAULT_WEB = 2;
export const MAX_WEB = 200;
export const DEFAULT_LB = 1;
/** One digit: host names stay lb1..lb9, and netns/link patterns stay simple. */
export const MAX_LB = 9;
/** The first host address in the /24 (.1 is the bridge). */
export const FIRST_HOST = 10;
/** Not 3142: an apt-cacher-ng the machine may run listens on *:3142 and would block our bind. */
export const PROXY_PORT = 3143;
export const SUDO_USER = 'admin';
/** Debian's package mirror: the only place the proxy (and debootstrap, through it) may reach. */
export const MIRROR_HOST = process.env.HAFORGE_LAB_MIRROR || 'deb.debian.org';

// Interface names must fit IFNAMSIZ (15 chars): name (<= 8) + "-" + host index (<= 3) or "br".
const NAME_RE = /^[a-z][a-z0-9]{0,7}$/;

export function checkName(name: string): string | undefined {
  return NAME_RE.test(name) ? undefined : `lab name must match ${NAME_RE.source} (short: it prefixes interface names)`;
}

export function cacheRoot(): string {
  return process.env.HAFORGE_LAB_CACHE || '/var/cache/haforge/lab';
}

export function stateRoot(): string {
  return process.env.HAFORGE_LAB_STATE || '/var/lib/haforge/lab';
}

/** One base per suite serves both inits: it has systemd, and a tini host simply never starts it. */
export function baseDir(suite: Suite): string {
  return path.join(cacheRoot(), `base-${suite}-v${BASE_VERSION}`);
}

/** A systemd host's own cgroup (under each hierarchy root), made before nspawn starts and removed by down. */
export const cgroupName = (lab: string, host: string): string => `haforge-${lab}-${host}`;

/** The apt proxy's cache survives `down`; one per lab name because two running instances must not share one. */
export function aptCacheDir(name: string): string {
  return path.join(cacheRoot(), `apt-${name}`);
}

export function stateDir(name: string): string {
  return path.join(stateRoot(), name);
}

export const bridgeName = (lab: string): string => `${lab}-br`;
/** Machine-side end of host number `index`'s veth pair; the other end is `eth0` inside the host. */
export const vethName = (lab: string, index: number): string => `${lab}-${index}`;
export const netnsName = (lab: string, host: string): string => `${lab}-${host}`;

/** lb1..lbN first, then web1..webM: a host's index (its address and veth) follows this order. */
export function hostNames(web: number, lb = DEFAULT_LB): string[] {
  const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  return [...numbered('lb', lb), ...numbered('web', web)];
}

/** Per-host folders inside the lab's state folder. */
export function hostDirs(state: string, host: string) {
  const dir = path.join(state, 'hosts', host);
  return {
    dir,
    upper: path.join(dir, 'upper'),
    work: path.join(dir, 'work'),
    root: path.join(dir, 'root'),
    log: path.join(dir, 'init.log'),
  };
}
