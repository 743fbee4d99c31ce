// ACME HTTP-01 end to end on loopback: Pebble (Debian's package) as the CA, resolving every name to 127.0.0.1 via
// pebble-challtestsrv; this machine's haproxy answers the challenge from its map, filled only through the runtime
// API (add map / del map, no reload); the issued certificate is swapped in with set/commit ssl cert and then served,
// verified against Pebble's root. Also: a directory that does not answer, or is not trusted, is one line, fast.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { freePort } from '../support/sshd.js';
import { renderHaproxyConfig } from '../../recipes/templates/haproxy-cfg.js';
import { directoryProblem, issueCertificate, newAccountKey } from '../../recipes/lib/acme.js';
import { addMapLine, commitCertLine, delMapLine, runtimeStdinCommand, setCertPayload } from '../../recipes/lib/haproxy-runtime.js';
import { httpGet } from '../../recipes/lib/http.js';
import { makeSelfSignedPem } from '../../recipes/lib/self-signed.js';
import { sha512Crypt } from '../../recipes/lib/crypt.js';

const have = ['/usr/sbin/haproxy', '/usr/bin/pebble', '/usr/bin/pebble-challtestsrv', '/usr/bin/socat'].every((f) => existsSync(f));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


describe.skipIf(!have)('ACME HTTP-01 answered by HAProxy, against Pebble', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  let haproxyPid = 0;
  let directoryUrl = '';
  let minica = '';
  let mgmt = 0;
  let http = 0;
  let https = 0;
  let sock = '';
  let map = '';
  let cert = '';

  const runtime = async (lines: string): Promise<string> => (await $({ quiet: true, input: lines })`sh -c ${runtimeStdinCommand(sock)}`).stdout;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'haforge-acme-'));
    const o = $({ quiet: true, cwd: dir });
    await o`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout minica.key -out minica.pem -days 2 -subj /CN=test-minica`;
    await o`openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout pebble.key -out pebble.csr -subj /CN=localhost`;
    await writeFile(join(dir, 'ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await o`openssl x509 -req -in pebble.csr -CA minica.pem -CAkey minica.key -CAcreateserial -out pebble.pem -days 2 -extfile ext`;
    minica = await readFile(join(dir, 'minica.pem'), 'utf8');
    const [listen, dns, dnsMgmt] = [await freePort(), await freePort(), await freePort()];
    [mgmt, http, https] = [await freePort(), await freePort(), await freePort()];
    await writeFile(join(dir, 'pebble.json'), JSON.stringify({ pebble: {
      listenAddress: `127.0.0.1:${String(listen)}`, managementListenAddress: `127.0.0.1:${String(mgmt)}`,
      certificate: join(dir, 'pebble.pem'), privateKey: join(dir, 'pebble.key'), httpPort: http, tlsPort: await freePort(),
      ocspResponderURL: '', externalAccountBindingRequired: false } }));
    children.push(spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${String(dns)}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
      '-management', `127.0.0.1:${String(dnsMgmt)}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { stdio: 'ignore' }));
    children.push(spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${String(dns)}`, '-strict=false'],
      { stdio: 'ignore', env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' } }));
    directoryUrl = `https://localhost:${String(listen)}/dir`;
    for (let i = 0; i < 100 && (await directoryProblem(directoryUrl, minica, 1000)); i++) await sleep(200);

    sock = join(dir, 'admin.sock');
    map = join(dir, 'acme.map');
    cert = join(dir, 'site.pem');
    await writeFile(map, '');
    await writeFile(cert, await makeSelfSignedPem('placeholder', ['127.0.0.1']), { mode: 0o600 });
    const cfg = renderHaproxyConfig({
      haproxyVersion: (await $({ quiet: true })`haproxy -v`).stdout,
      bind: { address: '127.0.0.1', port: http },
      webServers: [{ name: 'web1', address: '127.0.0.1', port: await freePort() }],
      https: { enabled: true, port: https, certPath: cert, acmeMap: map },
      stats: { enabled: true, user: 'admin', passwordHash: await sha512Crypt('pw') },
      logTarget: { kind: 'none' },
    })
      .replace(/^ {4}(chroot|user|group|stats timeout) .*\n/gm, '')
      .replace(/^ {4}stats socket \S+/m, `    stats socket ${sock}`)
      // The server-state file as haproxy-config seeds it on a host (its version line), here in the temp folder.
      .replace(/^ {4}server-state-file \S+/m, `    server-state-file ${join(dir, 'server-state')}`);
    await writeFile(join(dir, 'server-state'), '1\n');
    await writeFile(join(dir, 'haproxy.cfg'), cfg);
    await $({ quiet: true })`haproxy -dW -c -f ${join(dir, 'haproxy.cfg')}`;
    await $({ quiet: true })`haproxy -D -p ${join(dir, 'haproxy.pid')} -f ${join(dir, 'haproxy.cfg')}`;
    haproxyPid = Number((await readFile(join(dir, 'haproxy.pid'), 'utf8')).trim());
  }, 60_000);

  afterAll(async () => {
    const stop = (pid: number | undefined) => {
      try {
        if (pid) process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    stop(haproxyPid);
    for (const c of children) stop(c.pid);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the map answers a token added at runtime, 404 for others and after del map, no reload', async () => {
    const url = (t: string) => `http://127.0.0.1:${String(http)}/.well-known/acme-challenge/${t}`;
    expect((await httpGet(url('tok_1'))).status).toBe(404);
    await runtime(addMapLine(map, 'tok_1', 'tok_1.thumb-print'));
    const r = await httpGet(url('tok_1'));
    expect([r.status, r.body]).toEqual([200, 'tok_1.thumb-print']);
    expect((await httpGet(url('tok_2'))).status).toBe(404);
    await runtime(delMapLine(map, 'tok_1'));
    expect((await httpGet(url('tok_1'))).status).toBe(404);
    // Everything else still redirects to https.
    expect((await httpGet(`http://127.0.0.1:${String(http)}/`)).status).toBe(302);
    expect(Number((await readFile(join(dir, 'haproxy.pid'), 'utf8')).trim())).toBe(haproxyPid);
  });

  it('issues for lb.test through the map, installs with set/commit ssl cert, served and trusted by Pebble\'s root', async () => {
    const added: string[] = [];
    const issued = await issueCertificate({
      directoryUrl, caPem: minica, accountKeyPem: await newAccountKey(), email: 'ops@example.org', domains: ['lb.test', 'www.lb.test'],
      present: async (t, ka) => { added.push(t); await runtime(addMapLine(map, t, ka)); },
      remove: async (t) => { await runtime(delMapLine(map, t)); },
    });
    expect(added).toHaveLength(2);
    expect(await runtime(`show map ${map}\n`)).not.toMatch(/\S/); // every token removed again
    const bundle = `${issued.certPem.trim()}\n${issued.keyPem.trim()}\n`;
    await runtime(setCertPayload(cert, bundle));
    expect(await runtime(commitCertLine(cert))).toContain('Success');
    const mgmtGet = (p: string) => $({ quiet: true })`curl -sS --cacert ${join(dir, 'minica.pem')} https://localhost:${String(mgmt)}${p}`;
    const root = (await mgmtGet('/roots/0')).stdout;
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: https, servername: 'www.lb.test', ca: root }, () => {
        resolve(s.getPeerCertificate());
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(peer.subject.CN).toBe('lb.test');
    expect(peer.subjectaltname).toBe('DNS:lb.test, DNS:www.lb.test');
    expect(Number((await readFile(join(dir, 'haproxy.pid'), 'utf8')).trim())).toBe(haproxyPid);
  }, 60_000);

  it('a directory that does not answer, or is not trusted, is one line within the timeout', async () => {
    const closed = await freePort();
    expect(await directoryProblem(`https://localhost:${String(closed)}/dir`, minica, 2000)).toMatch(/^the ACME directory \S+ does not answer: ECONNREFUSED$/);
    expect(await directoryProblem(directoryUrl, undefined, 2000)).toMatch(/does not answer: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/);
  });
});
