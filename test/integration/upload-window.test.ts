// M3 (issue 21): no window where the file can be read with the wrong owner or mode. Against the real sshd, a
// separate process watches the target's folder while a large file is uploaded over it: the temp file is never
// readable by group or others before it has its final owner, and the target, old or new, only ever shows its
// final mode and group (owner and mode are set on the temp before the rename: upload-plan.ts).
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from '../../runner/transport/index.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { TEMP_PREFIX } from '../../runner/transport/upload-plan.js';

let f: SshdFixture;
let dir: string;
beforeAll(async () => {
  f = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'haforge-upload-window-'));
});
afterAll(async () => {
  await f?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Seen { name: string; mode: number; uid: number; gid: number; size: number }

// Polls the folder as fast as it can until the stop file appears; prints each distinct observation once.
const POLLER = `
const fs = require('fs'); const path = require('path');
const [dir, stop] = process.argv.slice(1); const seen = new Map();
while (!fs.existsSync(stop)) {
  let names = []; try { names = fs.readdirSync(dir); } catch {}
  for (const n of names) { try { const s = fs.lstatSync(path.join(dir, n));
    const o = { name: n, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size };
    const key = JSON.stringify({ ...o, size: s.size > 0 ? 'some' : 0 }); if (!seen.has(key)) seen.set(key, o); } catch {} }
}
process.stdout.write(JSON.stringify([...seen.values()]));`;

function watch(folder: string, stop: string): Promise<Seen[]> {
  const child = spawn(process.execPath, ['-e', POLLER, folder, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.on('close', () => { try { resolve(JSON.parse(out) as Seen[]); } catch (e) { reject(e); } }));
}

describe('atomic upload: owner and mode before the rename', () => {
  test('a 48 MB upload over a 0640 root:daemon file: never readable with the wrong owner or mode', async () => {
    const folder = join(dir, 'etc');
    const target = join(folder, 'big.conf');
    const stop = join(dir, 'stop');
    mkdirSync(folder, { recursive: true });
    writeFileSync(target, 'old\n');
    chownSync(target, 0, 1); // root:daemon
    chmodSync(target, 0o640);
    const data = Buffer.alloc(48 << 20, 'x');
    const seen = watch(folder, stop);
    await new Promise((ok) => setTimeout(ok, 200)); // the watcher is running
    const r = await connect({ name: 'web1', address: '127.0.0.1', port: f.port, user: 'root', auth: { kind: 'key', keyFile: f.clientKeyFile }, knownHostsFile: f.knownHostsFile, hostKeyPolicy: 'strict', connectTimeoutMs: 5000 });
    try {
      await r.upload(target, data, { mode: 0o640, owner: 'root', group: 'daemon' });
    } finally {
      await r.close();
      writeFileSync(stop, '');
    }
    const all = await seen;
    const temps = all.filter((s) => s.name.startsWith(TEMP_PREFIX));
    const targets = all.filter((s) => s.name === 'big.conf');
    // The watcher saw the upload in flight: a temp file with part of the data.
    expect(temps.some((t) => t.size > 0 && t.size < data.length), JSON.stringify(temps)).toBe(true);
    for (const t of temps) {
      const final = t.mode === 0o640 && t.uid === 0 && t.gid === 1;
      expect(final || (t.mode & 0o077) === 0, `temp seen as ${t.mode.toString(8)} ${t.uid}:${t.gid}`).toBe(true);
    }
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect([t.mode.toString(8), t.uid, t.gid]).toEqual(['640', 0, 1]);
    expect(readFileSync(target).equals(data)).toBe(true);
  }, 120_000);

  test('an upload that is not written within its time limit fails with that reason; the old file stays', async () => {
    const target = join(dir, 'slow.conf');
    writeFileSync(target, 'old\n');
    const r = await connect({ name: 'web1', address: '127.0.0.1', port: f.port, user: 'root', auth: { kind: 'key', keyFile: f.clientKeyFile }, knownHostsFile: f.knownHostsFile, hostKeyPolicy: 'strict', connectTimeoutMs: 5000 });
    try {
      await expect(r.upload(target, Buffer.alloc(256 << 20, 'y'), { mode: 0o644, timeoutMs: 50 })).rejects.toThrow(
        /^upload of .*slow\.conf to web1 failed: not written within 0\.05 s \(--command-timeout\)/,
      );
    } finally {
      await r.close();
    }
    expect(readFileSync(target, 'utf8')).toBe('old\n');
  }, 60_000);
});
