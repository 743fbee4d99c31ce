// Starting and stopping the lab's apt proxy (apt-proxy.ts): bound to the bridge address only, it may fetch from
// Debian's mirror and nothing else. Hosts have no route out; this is their only way to packages.
// It runs as `haforge lab serve-proxy ...`, detached, so it outlives `haforge lab up`.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIRROR_HOST, PROXY_PORT } from './paths.js';
import { killIfOurs, tcpAnswers, waitFor, alive } from './proc.js';
import { LabError } from './preflight.js';
import { backgroundEnv, haforgeBin } from '../self.js';

/** What marks the proxy's command line (with its state folder) so a recorded PID is only ever ours. */
export const PROXY_MARK = 'serve-proxy';

function haforgeBinOrFail(): string {
  const bin = haforgeBin();
  if (!bin) throw new LabError('cannot find bin/haforge.mjs to start the apt proxy');
  return bin;
}

export function proxyDir(state: string): string {
  return path.join(state, 'proxy');
}

/** Starts the proxy detached and waits until it accepts connections. */
export async function startProxy(state: string, cacheDir: string, gateway: string): Promise<number> {
  const dir = proxyDir(state);
  mkdirSync(dir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  // "Last used", for pruneAptCaches (cache-prune.ts).
  utimesSync(cacheDir, new Date(), new Date());
  const out = openSync(path.join(dir, 'stdout.log'), 'a');
  const args = [haforgeBinOrFail(), 'lab', PROXY_MARK, '--bind', gateway, '--port', String(PROXY_PORT), '--cache', cacheDir, '--mirror', MIRROR_HOST, '--dir', dir];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: backgroundEnv() });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new LabError('could not start the apt proxy');
  writeFileSync(path.join(dir, 'pid'), `${pid}\n`);
  const up = await waitFor(async () => !alive(pid) || (await tcpAnswers(gateway, PROXY_PORT)), 15_000, 50);
  if (!up || !alive(pid)) throw new LabError(`apt proxy did not start on ${gateway}:${PROXY_PORT}; see ${path.join(dir, 'stdout.log')}`);
  return pid;
}

/** SIGTERM first so the cache is left consistent, SIGKILL if it lingers. Only a PID that is still ours. */
export async function stopProxy(state: string, pid: number | undefined): Promise<void> {
  if (!pid) return;
  const markers = [PROXY_MARK, proxyDir(state)];
  if (!killIfOurs(pid, markers, 'SIGTERM')) return;
  if (!(await waitFor(() => !alive(pid), 2000))) killIfOurs(pid, markers, 'SIGKILL');
  await waitFor(() => !alive(pid), 2000);
}

export function proxyUrl(gateway: string): string {
  return `http://${gateway}:${PROXY_PORT}`;
}
