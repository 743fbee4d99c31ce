// The TLS profiles served for real: this machine's haproxy runs each rendered config on loopback, and verify's probe
// (recipes/lib/tls-probe.ts) sees TLS below the floor refused, the rest accepted, h2 by ALPN and the HSTS header.
// The "old" run is the probe's positive control: it shows the client really offers TLS 1.0/1.1.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { freePort } from '../support/sshd.js';
import { renderHaproxyConfig, type TlsProfile } from '../../recipes/templates/haproxy-cfg.js';
import { probeTls, type TlsVersion } from '../../recipes/lib/tls-probe.js';
import { httpGet } from '../../recipes/lib/http.js';
import { makeSelfSignedPem } from '../../recipes/lib/self-signed.js';
import { sha512Crypt } from '../../recipes/lib/crypt.js';

const HAPROXY = '/usr/sbin/haproxy';


const EXPECT: Record<TlsProfile, Record<TlsVersion, boolean>> = {
  intermediate: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
  modern: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true },
  old: { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': true, 'TLSv1.3': true },
};

describe.skipIf(!existsSync(HAPROXY) && (process.env.CI ?? '') === '')('TLS profiles served by the installed haproxy', () => {
  let dir = '';
  let cert = '';
  let hash = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'haforge-tls-'));
    cert = join(dir, 'site.pem');
    await writeFile(cert, await makeSelfSignedPem('lb.test', ['127.0.0.1']), { mode: 0o600 });
    hash = await sha512Crypt('pw');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each(['intermediate', 'modern', 'old'] as const)('%s', async (profile) => {
    const [http, https, web] = [await freePort(), await freePort(), await freePort()];
    const cfg = renderHaproxyConfig({
      haproxyVersion: (await $({ quiet: true })`${HAPROXY} -v`).stdout,
      bind: { address: '127.0.0.1', port: http },
      webServers: [{ name: 'web1', address: '127.0.0.1', port: web }],
      https: { enabled: true, port: https, certPath: cert, profile, hstsSeconds: 600 },
      stats: { enabled: true, user: 'admin', passwordHash: hash },
      logTarget: { kind: 'none' },
    })
      // Not root here: no chroot, no user switch, no admin socket under /run.
      .replace(/^ {4}(chroot|user|group|stats socket|stats timeout) .*\n/gm, '');
    const file = join(dir, `${profile}.cfg`);
    const pid = join(dir, `${profile}.pid`);
    await writeFile(file, cfg);
    await $({ quiet: true })`${HAPROXY} -D -p ${pid} -f ${file}`;
    try {
      for (const v of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const) {
        const r = await probeTls('127.0.0.1', https, v);
        expect({ v, ok: r.ok }).toEqual({ v, ok: EXPECT[profile][v] });
        if (r.ok) {
          expect(r.protocol).toBe(v);
          expect(r.alpn).toBe('h2');
        } else expect(r.error).toMatch(/protocol version|unsupported protocol/);
      }
      // The stats page is HAProxy's own answer (401 here): HSTS must be on it too, and never on plain http.
      const res = await httpGet(`https://127.0.0.1:${String(https)}/stats`);
      expect(res.status).toBe(401);
      expect(res.headers['strict-transport-security']).toBe('max-age=600');
      const plain = await httpGet(`http://127.0.0.1:${String(http)}/`);
      expect(plain.status).toBe(302);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    } finally {
      process.kill(Number((await readFile(pid, 'utf8')).trim()), 'SIGTERM');
    }
  });
});
