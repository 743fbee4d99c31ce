// Runs one measured command: wall time from spawn to exit, output kept in the bench log, a time limit.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Stopped: printed nothing for TimedOptions.stallS seconds, or ran past timeoutS. */
  stopped?: 'stalled' | 'timeout';
}

export interface TimedOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Appended to this file: the command line, then its output. */
  log: string;
  label: string;
  timeoutS: number;
  /** Stop the command when it has printed nothing for this long (a hung apt download): `stalled` in the result. */
  stallS?: number;
}

/** The children in flight, so an interrupted bench can stop them (by PID, nothing else). */
const running = new Set<number>();

export function stopRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGTERM'); // its own process group: ansible's forks and ssh go too
    } catch {
      /* gone */
    }
  }
}

export function timed(program: string, args: string[], o: TimedOptions): Promise<Timed> {
  appendFileSync(o.log, `\n===== ${new Date().toISOString()} ${o.label}\n$ ${program} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(program, args, {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid) running.add(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: Timed['stopped'];
    const stop = (why: NonNullable<Timed['stopped']>) => {
      stopped ??= why;
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    let stall: NodeJS.Timeout | undefined;
    const alive = () => {
      if (!o.stallS) return;
      clearTimeout(stall);
      stall = setTimeout(() => stop('stalled'), o.stallS * 1000);
    };
    alive();
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      alive();
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      alive();
    });
    const timer = setTimeout(() => stop('timeout'), o.timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(stall);
      if (pid) running.delete(pid);
      reject(e);
    });
    // Timed at exit, not at close: a persisting ssh ControlMaster (Ansible) may keep our pipes open for minutes.
    let seconds = 0;
    let exitCode: number | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(stall);
      if (pid) running.delete(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      appendFileSync(o.log, `${stdout}${stderr ? `\n--- stderr\n${stderr}` : ''}\n----- exit ${exitCode} in ${seconds.toFixed(3)} s${stopped ? ` (stopped: ${stopped})` : ''}\n`);
      resolve({ seconds, code: exitCode, stdout, stderr, ...(stopped ? { stopped } : {}) });
    };
    child.on('exit', (code) => {
      seconds = (performance.now() - t0) / 1000;
      exitCode = code;
      setTimeout(finish, 1000);
    });
    child.on('close', () => finish());
  });
}
