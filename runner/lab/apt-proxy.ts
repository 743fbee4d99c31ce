// The lab's apt proxy: an HTTP proxy for the hosts' apt (and debootstrap) that may fetch from Debian's mirror and
// nothing else, and keeps what it fetched. Our own instead of apt-cacher-ng, which answered 503 ("Failure to move
// file .../InRelease out of the way") to some of 20 clients asking for the same index in the same second, and
// once left apt hanging on a half-closed socket: a 21-host lab could not update at once.
//
// Every file is fetched from the mirror once however many hosts ask at the same moment (one download, every
// asker served from it). Pool files and by-hash files never change: kept on disk for good. Index files (InRelease,
// Packages, ...) change at the mirror: kept in memory, asked again once older than INDEX_TTL_MS.
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';

/** Archives served, as on Debian's mirrors: first path segment -> the same path on the mirror. */
const ARCHIVES = new Set(['debian', 'debian-security']);
/** Host names apt or debootstrap may ask for: the mirror itself and the usual names of Debian's archives. */
const KNOWN_HOSTS = new Set(['deb.debian.org', 'security.debian.org', 'ftp.debian.org', 'httpredir.debian.org']);
/** Long enough for every host of one `up` to see the same index, short enough that a lab never lags much. */
const INDEX_TTL_MS = 10 * 60_000;
/** Files that never change once published. */
const IMMUTABLE = /^\/(debian|debian-security)\/(pool\/.+|.*\/by-hash\/[^/]+\/[0-9a-f]+)$/;

export interface AptProxyOptions {
  bind: string;
  port: number;
  cacheDir: string;
  /** host or host:port */
  mirror: string;
  /** One line per request, for tests and for people wondering where a download went. */
  accessLog?: string;
}

interface Fetched {
  status: number;
  body: Buffer;
  lastModified?: string;
  at: number;
}

/** Answers 'ok' with the path to serve, or the mirror's own refusal (404, ...), or a failure. */
type Stored = { kind: 'file'; file: string } | { kind: 'status'; status: number; why: string };

export function createAptProxy(o: AptProxyOptions): http.Server {
  const indexes = new Map<string, Promise<Fetched>>();
  const downloads = new Map<string, Promise<Stored>>();
  let downloadSeq = 0;

  const log = (req: IncomingMessage, status: number, what: string) => {
    if (!o.accessLog) return;
    const line = `${new Date().toISOString()}|${status}|${req.socket.remoteAddress ?? '-'}|${req.method ?? '-'}|${req.url ?? '-'}|${what}\n`;
    try {
      appendFileSync(o.accessLog, line);
    } catch {
      /* a log that cannot be written must not stop apt */
    }
  };

  /** A pool/by-hash file on disk, downloaded once (to a temp name, renamed when whole). */
  const stored = (p: string): Promise<Stored> => {
    const file = path.join(o.cacheDir, p);
    try {
      if (statSync(file).isFile()) return Promise.resolve({ kind: 'file', file });
    } catch {
      /* not cached yet */
    }
    let d = downloads.get(p);
    if (!d) {
      d = fetchMirror(o.mirror, p).then((f): Stored => {
        if (f.status !== 200) return { kind: 'status', status: f.status, why: `mirror answered ${f.status}` };
        mkdirSync(path.dirname(file), { recursive: true });
        mkdirSync(path.join(o.cacheDir, '.tmp'), { recursive: true });
        const tmp = path.join(o.cacheDir, '.tmp', `${++downloadSeq}-${path.basename(file)}`);
        writeFileSync(tmp, f.body);
        renameSync(tmp, file);
        return { kind: 'file', file };
      });
      const done = () => downloads.delete(p);
      d.then(done, done);
      downloads.set(p, d);
    }
    return d;
  };

  /** An index file, from memory while young; one request to the mirror however many ask at once. */
  const index = async (p: string): Promise<Fetched> => {
    const current = indexes.get(p);
    if (current) {
      const f = await current.catch(() => undefined);
      if (f && f.status < 500 && Date.now() - f.at < INDEX_TTL_MS) return f;
      // Another asker already started the refresh while we waited: share it.
      if (indexes.get(p) !== current) return index(p);
    }
    const next = fetchMirror(o.mirror, p);
    indexes.set(p, next);
    next.catch(() => indexes.get(p) === next && indexes.delete(p));
    return next;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = parseTarget(req.url ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'only GET and HEAD');
    if (!target || !(KNOWN_HOSTS.has(target.host) || target.host === o.mirror.split(':')[0]) || !ARCHIVES.has(target.path.split('/')[1] ?? '')) {
      return refuse(req, res, 403, "only Debian's archives on the lab's mirror");
    }
    const p = target.path;
    if (IMMUTABLE.test(p)) {
      const s = await stored(p);
      if (s.kind === 'status') return refuse(req, res, s.status, s.why);
      const size = statSync(s.file).size;
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      log(req, 200, `file ${size}`);
      if (req.method === 'HEAD') return res.end();
      createReadStream(s.file).on('error', () => res.destroy()).pipe(res);
      return;
    }
    const f = await index(p);
    if (f.status !== 200) return refuse(req, res, f.status, `mirror answered ${f.status}`);
    const since = req.headers['if-modified-since'];
    if (since && f.lastModified && Date.parse(f.lastModified) <= Date.parse(since)) {
      res.writeHead(304, { 'last-modified': f.lastModified });
      log(req, 304, 'not modified');
      return res.end();
    }
    res.writeHead(200, {
      'content-length': f.body.length,
      'content-type': 'application/octet-stream',
      ...(f.lastModified ? { 'last-modified': f.lastModified } : {}),
    });
    log(req, 200, `index ${f.body.length}`);
    res.end(req.method === 'HEAD' ? undefined : f.body);
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, why: string) => {
    log(req, status, why);
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`${why}\n`);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => refuse(req, res, 502, `mirror unreachable: ${(e as Error).message}`));
  });
  // No tunnels: hosts must not reach anything through the lab but Debian's archives.
  server.on('connect', (_req: IncomingMessage, socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
  server.keepAliveTimeout = 60_000;
  return server;
}

/** A proxy request names an absolute URL; anything else (or https) is not for us. */
function parseTarget(url: string): { host: string; path: string } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' || u.search || u.username || u.password) return undefined;
    const p = path.posix.normalize(decodeURIComponent(u.pathname));
    if (!p.startsWith('/') || p.includes('/../') || p.includes('\0')) return undefined;
    return { host: u.hostname.toLowerCase(), path: p };
  } catch {
    return undefined;
  }
}

/** One whole GET from the mirror, bounded in time; the body in memory (the largest index is about 10 MB). */
function fetchMirror(mirror: string, p: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const [host, port = '80'] = mirror.split(':');
    const req = http.get({ host, port: Number(port), path: p, timeout: 60_000, headers: { 'user-agent': 'haforge-lab-apt-proxy' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const expected = Number(res.headers['content-length']);
        if (res.statusCode === 200 && Number.isFinite(expected) && body.length !== expected) {
          reject(new Error(`short read of ${p}: ${body.length} of ${expected} bytes`));
          return;
        }
        resolve({ status: res.statusCode ?? 502, body, lastModified: res.headers['last-modified'], at: Date.now() });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${mirror} for ${p} within 60 s`)));
    req.on('error', reject);
  });
}

/** Runs the proxy in this process until it is signalled (the lab starts it detached). */
export async function serveAptProxy(o: AptProxyOptions): Promise<never> {
  mkdirSync(o.cacheDir, { recursive: true });
  // Leftovers of a download cut short by a stop: never served, removed at start.
  rmSync(path.join(o.cacheDir, '.tmp'), { recursive: true, force: true });
  const server = createAptProxy(o);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bind, () => resolve());
  });
  process.stdout.write(`apt proxy on ${o.bind}:${o.port}, mirror ${o.mirror}, cache ${o.cacheDir}\n`);
  // Stopped by signal at once: a download cut short lives in .tmp only, cleared at the next start.
  return new Promise<never>(() => {
    process.once('SIGTERM', () => process.exit(0));
    process.once('SIGINT', () => process.exit(0));
  });
}
