// Small helpers around processes, /proc and TCP that the lab's steps share.
import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { $ } from 'zx';

/** Quiet by default and never throws on its own: callers check exitCode where it matters. */
export const sh = $({ quiet: true, nothrow: true });
/** Throws with the command's stderr when it fails. */
export const shx = $({ quiet: true });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** argv of a process, or undefined when it is gone. */
export function cmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.replace(/\0$/, '').split('\0') : [];
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie: a zombie waiting for the machine's PID 1 to reap it counts as gone. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Signal a recorded PID only if its command line still contains every marker: PID files outlive their
 * processes and the kernel reuses numbers.
 */
export function killIfOurs(pid: number, markers: string[], signal: NodeJS.Signals = 'SIGKILL'): boolean {
  const argv = cmdline(pid);
  if (!argv || !alive(pid)) return false;
  const joined = argv.join(' ');
  if (!markers.every((m) => joined.includes(m))) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await sleep(stepMs);
  }
}

/** True once something on address:port accepts a connection and, when given, sends a line starting with banner. */
export function tcpAnswers(address: string, port: number, banner?: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port });
    let seen = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => {
      if (!banner) done(true);
    });
    sock.on('data', (d) => {
      seen += d.toString('latin1');
      const want = banner ?? '';
      if (seen.startsWith(want)) done(true);
      else if (!want.startsWith(seen)) done(false);
    });
  });
}

/** Mount points (decoded) at or under a folder, deepest first so they can be unmounted in order. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.replace(/\/+$/, '');
  const points = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === prefix || p.startsWith(prefix + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmount everything at or under dir (lazily if busy). Returns what is still mounted afterwards. */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (const point of mountsUnder(dir)) {
    const r = await sh`umount ${point}`;
    if (r.exitCode !== 0) await sh`umount -l ${point}`;
  }
  return mountsUnder(dir);
}

export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Lock files this process holds now: removed on exit too (a bench stopped by a signal exits without finally). */
const heldLocks = new Set<string>();
process.once('exit', () => {
  for (const f of heldLocks) rmSync(f, { force: true });
});

/**
 * Runs fn holding a lock file that records our PID. A lock whose holder is gone is taken over, so a crashed
 * run never blocks the next one. Our own PID in a lock we do not hold is a leftover of an earlier process that had
 * the same PID (PID namespaces reuse them): taken over too. One this process holds is waited for like any other (labs
 * brought up side by side in one process take the subnet lock in turn).
 */
export async function withPidLock<T>(file: string, what: string, log: (l: string) => void, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  let told = false;
  const got = await waitFor(
    () => {
      try {
        const fd = openSync(file, 'wx');
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        heldLocks.add(file);
        return true;
      } catch {
        let holder = 0;
        try {
          holder = Number(readFileSync(file, 'utf8').trim() || 0);
        } catch {
          return false; // removed between our open and read: try again
        }
        if (!holder || !alive(holder) || (holder === process.pid && !heldLocks.has(file))) {
          rmSync(file, { force: true });
          return false;
        }
        if (!told && holder !== process.pid) log(`waiting for another haforge (PID ${holder}) ${what}`);
        told = true;
        return false;
      }
    },
    timeoutMs,
    200,
  );
  if (!got) throw new Error(`timed out waiting for ${file} (${what})`);
  try {
    return await fn();
  } finally {
    heldLocks.delete(file);
    rmSync(file, { force: true });
  }
}

/** HAFORGE_LAB_TRACE=1 prints each step's time since the first traced step: where `up`/`down` spend it. */
let traceStart = 0;
export function trace(step: string): void {
  if (process.env.HAFORGE_LAB_TRACE !== '1') return;
  const now = Date.now();
  if (!traceStart) traceStart = now;
  process.stderr.write(`[lab ${((now - traceStart) / 1000).toFixed(3)}s] ${step}\n`);
}
