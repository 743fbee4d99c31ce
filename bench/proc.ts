// Runs one measured command: wall time from spawn to exit, output kept in the bench log, a time limit.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface Timed {
  seconds: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Appended to this file: the command line, then its output. */
  log: string;
  label: string;
  timeoutS: number;
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
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, o.timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
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
      if (pid) running.delete(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      appendFileSync(o.log, `${stdout}${stderr ? `\n--- stderr\n${stderr}` : ''}\n----- exit ${exitCode} in ${seconds.toFixed(3)} s\n`);
      resolve({ seconds, code: exitCode, stdout, stderr });
    };
    child.on('exit', (code) => {
      seconds = (performance.now() - t0) / 1000;
      exitCode = code;
      setTimeout(finish, 1000);
    });
    child.on('close', () => finish());
  });
}
