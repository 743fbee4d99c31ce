// A small HTTP(S) client for verify: one new connection per request (so the balancer chooses each time),
// basic auth from memory, self-signed certificates accepted (verify checks behaviour, not the PKI).
import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpOptions {
  cookie?: string;
  auth?: { user: string; password: string };
  timeoutMs?: number;
}

export function httpGet(url: string, o: HttpOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { connection: 'close' };
  if (o.cookie) headers['cookie'] = o.cookie;
  if (o.auth) headers['authorization'] = `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = lib.get(u, { headers, agent: false, rejectUnauthorized: false, timeout: o.timeoutMs ?? 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${o.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
  });
}

/** `name=value` pairs of a response's Set-Cookie headers, ready for a Cookie header. */
export function cookiesOf(res: HttpResponse): string | undefined {
  const set = res.headers['set-cookie'];
  if (!set?.length) return undefined;
  return set.map((c) => c.split(';')[0]).join('; ');
}

/** The node named by the index page ("served by web1"). */
export function servedBy(body: string): string | undefined {
  return /served by (\S+?)(?:<|\s|$)/.exec(body)?.[1];
}
