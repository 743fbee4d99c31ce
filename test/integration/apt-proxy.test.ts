// The lab's apt proxy (runner/lab/apt-proxy.ts) between real HTTP clients and a real HTTP server standing in for
// Debian's mirror, both on 127.0.0.1 (tests may not reach the mirror). The lab's e2e tests prove it with apt.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createAptProxy } from '../../runner/lab/apt-proxy.js';

const INRELEASE = '/debian/dists/bookworm/InRelease';
const DEB = '/debian/pool/main/h/haproxy/haproxy_2.6.12-1_amd64.deb';
const LAST_MODIFIED = 'Sat, 08 Nov 2026 09:00:00 GMT';

let mirror: Server;
let proxy: Server;
let cacheDir: string;
let proxyPort = 0;
const asked: string[] = [];
let truncate = false;

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  // The mirror answers slowly enough that concurrent askers really overlap.
  mirror = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    setTimeout(() => {
      if (req.url === INRELEASE || req.url === DEB) {
        const body = Buffer.from(`contents of ${req.url}\n`.repeat(1000));
        res.writeHead(200, { 'content-length': body.length, 'last-modified': LAST_MODIFIED });
        // A connection cut mid-body: the proxy must not keep or serve half a file.
        // (write, not end: end() with a short body held the close back for ~6 s.)
        if (truncate) return res.write(body.subarray(0, 100), () => res.destroy());
        return res.end(body);
      }
      res.writeHead(404).end('not here\n');
    }, 150);
  });
  const mirrorPort = await listen(mirror);
  cacheDir = await mkdtemp(join(tmpdir(), 'haforge-apt-proxy-'));
  proxy = createAptProxy({ bind: '127.0.0.1', port: 0, cacheDir, mirror: `127.0.0.1:${mirrorPort}` });
  proxyPort = await listen(proxy);
});

afterAll(async () => {
  proxy.closeAllConnections();
  mirror.closeAllConnections();
  await Promise.all([new Promise((r) => proxy.close(r)), new Promise((r) => mirror.close(r))]);
  await rm(cacheDir, { recursive: true, force: true });
});

beforeEach(() => {
  asked.length = 0;
  truncate = false;
});

/** A request in proxy form, as apt sends it: the absolute URL on the request line. */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method, path: url, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('lab apt proxy', () => {
  test('30 hosts asking for the same index at once: one request to the mirror, every one answered 200', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => get(`http://deb.debian.org${INRELEASE}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(answers[0]!.body).toContain(`contents of ${INRELEASE}`);
    expect(asked).toEqual([INRELEASE]);
    // Young enough: served from memory; apt's If-Modified-Since gets a 304.
    expect((await get(`http://security.debian.org${INRELEASE}`)).status).toBe(200);
    expect((await get(`http://deb.debian.org${INRELEASE}`, { 'if-modified-since': LAST_MODIFIED })).status).toBe(304);
    expect(asked).toEqual([INRELEASE]);
  });

  test('a package: downloaded once for concurrent askers, kept on disk, served from there afterwards', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(`http://deb.debian.org${DEB}`)));
    expect(answers.every((a) => a.status === 200 && a.body.startsWith(`contents of ${DEB}`))).toBe(true);
    expect(asked).toEqual([DEB]);
    expect(existsSync(join(cacheDir, DEB))).toBe(true);
    expect((await get(`http://deb.debian.org${DEB}`)).body).toBe(answers[0]!.body);
    expect(asked).toEqual([DEB]);
  });

  test("the mirror's 404 is passed on and nothing is kept", async () => {
    const missing = '/debian/pool/main/n/nothing/nothing_1_all.deb';
    expect((await get(`http://deb.debian.org${missing}`)).status).toBe(404);
    expect(existsSync(join(cacheDir, missing))).toBe(false);
  });

  test('a download cut short is a 502 and is neither kept nor served later', async () => {
    const deb = '/debian/pool/main/h/haproxy/haproxy_2.6.12-1_amd64.deb';
    await rm(join(cacheDir, deb), { force: true });
    truncate = true;
    expect((await get(`http://deb.debian.org${deb}`)).status).toBe(502);
    expect(existsSync(join(cacheDir, deb))).toBe(false);
    truncate = false;
    const again = await get(`http://deb.debian.org${deb}`);
    expect(again.status).toBe(200);
    expect(again.body.length).toBe(Buffer.byteLength(`contents of ${deb}\n`) * 1000);
  });

  test('refuses everything but GET/HEAD of Debian archives on known hosts, and never asks the mirror for it', async () => {
    expect((await get(`http://example.com${INRELEASE}`)).status).toBe(403);
    expect((await get('http://deb.debian.org/ubuntu/dists/noble/InRelease')).status).toBe(403);
    expect((await get('http://deb.debian.org/debian/../etc/passwd')).status).toBe(403);
    expect((await get('http://deb.debian.org/debian/%2e%2e/etc/passwd')).status).toBe(403);
    expect((await get('/debian/dists/bookworm/InRelease')).status).toBe(403);
    expect((await get(`http://deb.debian.org${INRELEASE}`, {}, 'POST')).status).toBe(405);
    expect(asked).toEqual([]);
  });

  test('no CONNECT tunnels', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(proxyPort, '127.0.0.1', () => s.write('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
  });
});
