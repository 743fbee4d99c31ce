// The lab's apt proxy: our own apt-cacher-ng, bound to the bridge address only, that may fetch from Debian's
// mirror and nothing else. Hosts have no route out; this is their only way to packages.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIRROR_HOST, PROXY_PORT } from './paths.js';
import { killIfOurs, tcpAnswers, waitFor, alive } from './proc.js';
import { LabError } from './preflight.js';

export const ACNG = '/usr/sbin/apt-cacher-ng';

/** Own config replacing the stock one, whose remaps fall back to lists of other mirrors. */
function config(confDir: string, cacheDir: string, gateway: string): string {
  const m = MIRROR_HOST;
  return [
    '# haforge lab apt proxy: only the Debian archive and its security archive, on one mirror.',
    `CacheDir: ${cacheDir}`,
    `LogDir: ${confDir}`,
    'SupportDir: /usr/lib/apt-cacher-ng',
    `SocketPath: ${path.join(confDir, 'socket')}`,
    `BindAddress: ${gateway}`,
    `Port: ${PROXY_PORT}`,
    `Remap-debrep: ${m}/debian ; http://${m}/debian/`,
    `Remap-secdeb: ${m}/debian-security security.debian.org/debian-security ; http://${m}/debian-security/`,
    // Refuse anything that is not one of the remapped archives, and every CONNECT tunnel.
    'ForceManaged: 1',
    'PassThroughPattern: ^$',
    'ExThreshold: 4',
    'UnbufferLogs: 1',
    '',
  ].join('\n');
}

export function proxyDir(state: string): string {
  return path.join(state, 'proxy');
}

/** Starts the proxy detached (it must outlive `haforge lab up`) and waits until it accepts connections. */
export async function startProxy(state: string, cacheDir: string, gateway: string): Promise<number> {
  const dir = proxyDir(state);
  mkdirSync(dir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(dir, 'acng.conf'), config(dir, cacheDir, gateway));
  const out = openSync(path.join(dir, 'stdout.log'), 'a');
  const child = spawn(ACNG, ['-c', dir, 'ForeGround=1'], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new LabError('could not start apt-cacher-ng');
  writeFileSync(path.join(dir, 'pid'), `${pid}\n`);
  const up = await waitFor(async () => !alive(pid) || (await tcpAnswers(gateway, PROXY_PORT)), 10_000, 50);
  if (!up || !alive(pid)) throw new LabError(`apt proxy did not start on ${gateway}:${PROXY_PORT}; see ${path.join(dir, 'stdout.log')}`);
  return pid;
}

/** SIGTERM first so the cache is left consistent, SIGKILL if it lingers. Only a PID that is still ours. */
export async function stopProxy(state: string, pid: number | undefined): Promise<void> {
  if (!pid) return;
  const markers = [ACNG, proxyDir(state)];
  if (!killIfOurs(pid, markers, 'SIGTERM')) return;
  if (!(await waitFor(() => !alive(pid), 2000))) killIfOurs(pid, markers, 'SIGKILL');
  await waitFor(() => !alive(pid), 2000);
}

export function proxyUrl(gateway: string): string {
  return `http://${gateway}:${PROXY_PORT}`;
}
