// Running a command inside a lab host from the machine side, without SSH: for fault injection in tests
// (stop sshd, hold the dpkg lock, stop apache) and for looking inside when SSH itself is what broke.
import { spawn } from 'node:child_process';
import { hostInitPid } from './hosts.js';
import { LabError } from './preflight.js';
import { readLab, type LabInfo } from './state.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when ended by a signal or the timeout. */
  code: number | null;
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

const HOST_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];

/**
 * Runs `sh -c cmd` as root inside the host: all of its namespaces (mount, UTS, IPC, network, PID), its root
 * and working directory, with a clean environment. `lab` is a LabInfo or a lab name.
 */
export async function labExec(lab: LabInfo | string, hostName: string, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const info = typeof lab === 'string' ? readLab(lab) : lab;
  if (!info) throw new LabError(`lab ${String(lab)} is not up`);
  const host = info.hosts.find((h) => h.name === hostName);
  if (!host) throw new LabError(`lab ${info.name} has no host ${hostName} (hosts: ${info.hosts.map((h) => h.name).join(', ')})`);
  const init = hostInitPid(info.stateDir, host.name, host.pid, info.init);
  if (!init) throw new LabError(`host ${hostName} of lab ${info.name} is not running`);
  const argv = ['-t', String(init), '-m', '-u', '-i', '-n', '-p', '-r', '-w', 'env', '-i', ...HOST_ENV, 'sh', '-c', cmd];
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', argv, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // Not 'close' alone: a daemon started by cmd may keep our pipes open for its whole life.
    child.on('exit', (code) => {
      const done = () => resolve({ stdout, stderr, code });
      const t = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done();
      }, 300);
      child.on('close', () => {
        clearTimeout(t);
        done();
      });
    });
    // A command that exits without reading its stdin closes the pipe: EPIPE here is not an error of ours,
    // and unhandled it would crash the caller.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}
