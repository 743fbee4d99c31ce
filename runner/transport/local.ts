// Local commands (openssl, ssh-keygen...) through zx. Arguments are passed as a list and quoted by zx for
// its local bash; secrets go through stdin only, never argv or the environment (both visible in ps/proc).
import type { RunResult } from './types.js';

export interface LocalRunOptions {
  stdin?: string | Buffer;
  cwd?: string;
  timeoutMs?: number;
  /** Added to the current environment. */
  env?: Record<string, string>;
}

/** Runs `program args...` locally. Never throws on a non-zero exit: the caller reads `code`. */
export async function runLocal(program: string, args: readonly string[] = [], opts: LocalRunOptions = {}): Promise<RunResult> {
  // Loaded on first use: the transport's index re-exports this, and every run imports the index.
  const { $ } = await import('zx');
  const out = await $({
    quiet: true, // output is returned, not echoed
    verbose: false, // zx would print the command line
    nothrow: true,
    ...(opts.stdin !== undefined ? { input: opts.stdin } : { stdio: ['ignore', 'pipe', 'pipe'] as const }),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, timeoutSignal: 'SIGKILL' as const } : {}),
    ...(opts.env !== undefined ? { env: { ...process.env, ...opts.env } } : {}),
  })`${program} ${args}`;
  const timedOut = opts.timeoutMs !== undefined && out.exitCode === null && out.signal === 'SIGKILL';
  return {
    stdout: out.stdout,
    stderr: out.stderr,
    code: out.exitCode,
    signal: out.signal,
    ...(timedOut ? { interrupted: 'timeout' as const } : {}),
  };
}
