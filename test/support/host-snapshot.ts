// What a lab host holds on disk, to prove that a run wrote nothing: every path of its root filesystem (and /tmp,
// /var/tmp when they are mounts of their own) with type, mode, owner, size, mtime and ctime, plus a sha256 of each
// file under the places haforge and apt write. Taken from the machine side (labExec, no SSH login, which would
// itself write login records). A write anywhere changes a ctime, so the whole tree is covered, not a guessed list.
import { labExec, type LabInfo } from '../../runner/lab/index.js';

/** Contents hashed too (metadata alone already shows a write; the hash shows a rewrite with old times restored). */
export const HASHED = ['/etc', '/var/lib', '/var/www', '/var/cache/apt', '/usr/local', '/root', '/home', '/opt', '/srv'];

/**
 * What changes on a host by itself, or because someone logged in, whatever haforge does; nothing else is left out.
 * /proc, /sys, /dev and /run are not walked at all: other filesystems (find -xdev), runtime state only.
 */
export const EXCLUDED: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^\/(run|proc|sys|dev)$/, why: "mount points: find lists these roots (never their contents): their times are the runtime filesystems', changed by every login (/run/user, sshd's pid file)" },
  { pattern: /^\/var\/log\/journal(\/|$)/, why: 'journald writes every log line there (each SSH login and command haforge runs is logged)' },
  { pattern: /^\/var\/log\/(wtmp|btmp|lastlog)$/, why: 'login records: sshd/PAM write one per SSH login, and a run logs in' },
  { pattern: /^\/var\/log\/apache2\/(access|other_vhosts_access)\.log$/, why: "apache's access log: HAProxy's health checks (every 2 s) and verify's requests land there" },
];

export type Snapshot = Map<string, string>;

const WALK = "find / /tmp /var/tmp -xdev -printf '%p\\t%y %m %U:%G %s %T@ %C@ %l\\n' 2>/dev/null";
const HASH = `for d in ${HASHED.join(' ')}; do [ -d "$d" ] && find "$d" -xdev -type f -print0; done | xargs -0 -r sha256sum`;

export async function snapshotHost(lab: LabInfo, host: string): Promise<Snapshot> {
  const [walk, hash] = await Promise.all([
    labExec(lab, host, WALK, { timeoutMs: 120_000 }),
    labExec(lab, host, HASH, { timeoutMs: 120_000 }),
  ]);
  if (hash.code !== 0) throw new Error(`${lab.name}/${host}: hashing failed (exit ${String(hash.code)}): ${hash.stderr.trim().slice(-500)}`);
  const snap: Snapshot = new Map();
  for (const line of walk.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) snap.set(line.slice(0, tab), line.slice(tab + 1));
  }
  if (snap.size < 1000) throw new Error(`${lab.name}/${host}: the walk found only ${snap.size} paths (exit ${String(walk.code)}): ${walk.stderr.slice(-500)}`);
  for (const line of hash.stdout.split('\n')) {
    const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
    if (m) snap.set(m[2]!, `${snap.get(m[2]!) ?? '(not walked)'} sha256=${m[1]!.slice(0, 16)}`);
  }
  return snap;
}

export const isExcluded = (p: string): boolean => EXCLUDED.some((e) => e.pattern.test(p));

/** Every difference between two snapshots outside EXCLUDED, one line each: `+ path`, `- path`, `~ path: old -> new`. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [p, v] of before) {
    if (isExcluded(p)) continue;
    const w = after.get(p);
    if (w === undefined) out.push(`- ${p}`);
    else if (w !== v) out.push(`~ ${p}: ${v} -> ${w}`);
  }
  for (const p of after.keys()) if (!before.has(p) && !isExcluded(p)) out.push(`+ ${p}`);
  return out.sort();
}

/** Snapshots of every host of the lab, by host name. */
export async function snapshotLab(lab: LabInfo): Promise<Map<string, Snapshot>> {
  const snaps = await Promise.all(lab.hosts.map(async (h) => [h.name, await snapshotHost(lab, h.name)] as const));
  return new Map(snaps);
}

/** `host: line` for every difference on every host. */
export function labDiff(before: Map<string, Snapshot>, after: Map<string, Snapshot>): string[] {
  return [...before].flatMap(([host, snap]) => snapshotDiff(snap, after.get(host) ?? new Map()).map((l) => `${host}: ${l}`));
}
