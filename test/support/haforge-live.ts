// The real CLI as a child process that a test can watch while it runs (line by line, with times), signal
// (Ctrl-C) and wait for; and small helpers to look inside lab hosts for what a run may have left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { labExec, type LabInfo } from '../../runner/lab/index.js';
import { REPO_ROOT } from './haforge-cli.js';

const BIN = `${REPO_ROOT}/bin/haforge.mjs`;

export interface Line {
  /** ms since the run started */
  t: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface LiveRun {
  child: ChildProcess;
  started: number;
  lines: Line[];
  /** Resolves with the first line (new or already seen) matching re; rejects after timeoutMs or on exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<Line>;
  done: Promise<Finished>;
}

/** `haforge ARGS` unattended (CI=true, no colour), output captured line by line. */
export function startHaforge(args: string[], env: Record<string, string | undefined> = {}): LiveRun {
  const e: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1', ...env };
  for (const k of ['HAFORGE_INVENTORY', 'FORCE_COLOR', 'HAFORGE_STATS_PASSWORD', 'HAFORGE_SSH_PASSWORD', 'HAFORGE_SUDO_PASSWORD']) {
    if (!(k in env)) delete e[k];
  }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const started = Date.now();
  // Its own process group (pgid = its pid): whatever it starts can be found afterwards (groupMembers).
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: Line[] = [];
  const waiters: { re: RegExp; ok: (l: Line) => void }[] = [];
  let stdout = '';
  let stderr = '';
  const feed = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (d: string) => {
      if (stream === 'stdout') stdout += d;
      else stderr += d;
      partial += d;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) {
        const line = { t: Date.now() - started, stream, text };
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.re.test(text)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.ok(line);
          }
        }
      }
    };
  };
  child.stdout!.setEncoding('utf8').on('data', feed('stdout'));
  child.stderr!.setEncoding('utf8').on('data', feed('stderr'));
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return {
    child,
    started,
    lines,
    done,
    waitFor(re, timeoutMs = 300_000) {
      const seen = lines.find((l) => re.test(l.text));
      if (seen) return Promise.resolve(seen);
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${tail(lines)}`)), timeoutMs);
        const w = {
          re,
          ok: (l: Line) => {
            clearTimeout(timer);
            ok(l);
          },
        };
        waiters.push(w);
        void done.then(() => {
          if (!waiters.includes(w)) return;
          clearTimeout(timer);
          fail(new Error(`haforge exited before a line matching ${re}:\n${tail(lines)}`));
        });
      });
    },
  };
}

function tail(lines: Line[]): string {
  return lines.slice(-30).map((l) => `${l.stream === 'stderr' ? '! ' : '  '}${l.text}`).join('\n');
}

/** Runs in the host; throws with its output when it exits non-zero. */
export async function inHost(lab: LabInfo, host: string, cmd: string, timeoutMs = 60_000): Promise<string> {
  const r = await labExec(lab, host, cmd, { timeoutMs });
  if (r.code !== 0) throw new Error(`${host}: \`${cmd}\` exited ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** What a run may leave on a host: upload temps, validation copies, pending-activation markers. */
export const LEFTOVER_FIND =
  "find / -xdev \\( -name '.haforge-tmp-*' -o -name '*.haforge-validate' -o -name '*.haforge-pending' \\) -print 2>/dev/null";

export async function leftovers(lab: LabInfo): Promise<string[]> {
  const out: string[] = [];
  for (const h of lab.hosts) {
    const found = (await inHost(lab, h.name, `${LEFTOVER_FIND}; true`)).trim();
    if (found) out.push(...found.split('\n').map((f) => `${h.name}:${f}`));
  }
  return out;
}

/** Processes on a host that a run of haforge starts (apt, dpkg, sudo, the shells of its commands). */
export async function hostWorkers(lab: LabInfo, host: string): Promise<string[]> {
  const out = await inHost(lab, host, "ps -eo pid=,args= | grep -E 'apt-get|dpkg|sudo|haforge|openssl|haproxy -c|sshd: .*@' | grep -v grep; true");
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Command lines of every process on this machine, read from /proc (NUL-separated args joined by spaces). */
export function machineCmdlines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const c = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (c) out.set(Number(d), c);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Processes of this machine in process group pgid (what a CLI started with startHaforge left running). */
export function groupMembers(pgid: number): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) out.push(`${d} ${readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Holds dpkg's and apt's locks (fcntl, as apt and dpkg take them) in the host for `seconds`; returns its pid. */
export async function holdAptLocks(lab: LabInfo, host: string, seconds: number): Promise<number> {
  const script = [
    'use Fcntl;',
    'my @fhs;',
    'for my $f ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock") {',
    '  open(my $fh, "+<", $f) or open($fh, "+>", $f) or die "open $f: $!";',
    // struct flock on x86_64/arm64: short type, short whence, (pad), off_t start, off_t len, pid_t pid, (pad)
    '  my $lk = pack("s s x4 q q l x4", F_WRLCK, 0, 0, 0, 0);', // fcntl writes back into it: not a constant
    '  fcntl($fh, F_SETLK, $lk) or die "lock $f: $!";',
    '  push @fhs, $fh;',
    '}',
    '$0 = "test-lock-holder";',
    `sleep ${seconds};`,
  ].join(' ');
  const out = await inHost(
    lab,
    host,
    `cat > /root/hold-locks.pl <<'EOF'\n${script}\nEOF\n` +
      'nohup perl /root/hold-locks.pl >/root/hold-locks.log 2>&1 & pid=$!; sleep 0.3; ' +
      'kill -0 $pid 2>/dev/null || { cat /root/hold-locks.log >&2; exit 1; }; echo $pid',
  );
  return Number(out.trim());
}
