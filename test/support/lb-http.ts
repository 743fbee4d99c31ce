// The tests' own HTTP(S) client for checking the load balancer from outside, independent of haforge's verify
// code: plain node:http/https, a fresh connection per request unless an agent is given, self-signed
// certificates accepted (HTTPS tests look at behaviour, not at the PKI).
import http from 'node:http';
import https from 'node:https';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** True when the request went over a connection that an earlier request had used (keep-alive). */
  reusedSocket: boolean;
  /** The server certificate for https. */
  cert?: { subject: unknown; subjectaltname?: string };
}

export interface ReqOptions {
  cookie?: string;
  auth?: { user: string; password: string };
  /** Keep-alive agent to reuse; default: a new connection with `Connection: close`. */
  agent?: http.Agent;
  timeoutMs?: number;
}

export function request(url: string, o: ReqOptions = {}): Promise<Res> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const headers: Record<string, string> = {};
  if (!o.agent) headers['connection'] = 'close';
  if (o.cookie) headers['cookie'] = o.cookie;
  if (o.auth) headers['authorization'] = `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString('base64')}`;
  const timeout = o.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const opts: https.RequestOptions = { headers, agent: o.agent ?? false, timeout, rejectUnauthorized: false };
    const req = (secure ? https : http).get(u, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const out: Res = { status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket };
        if (secure) {
          const c = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.();
          if (c) out.cert = { subject: c.subject, subjectaltname: c.subjectaltname };
        }
        resolve(out);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeout} ms`)));
    req.on('error', (e) => reject(new Error(`GET ${url}: ${e.message}`)));
  });
}

/** The node named by the page (index.html: "served by web1", session.php: "served by web1 hits=N"). */
export function servedBy(body: string): string | undefined {
  return /served by ([A-Za-z0-9_.-]+)/.exec(body)?.[1];
}

/** `name=value` of every Set-Cookie, for a Cookie header. */
export function setCookies(res: Res): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of res.headers['set-cookie'] ?? []) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    if (i > 0) m.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
  }
  return m;
}

/** Which node answered each of n requests made by a client that keeps no cookie. */
export async function nodesOf(url: string, n: number, o: ReqOptions = {}): Promise<string[]> {
  const nodes: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(url, o);
    if (res.status !== 200) throw new Error(`GET ${url} answered HTTP ${res.status}`);
    nodes.push(servedBy(res.body) ?? `?(${res.body.slice(0, 80)})`);
  }
  return nodes;
}

/** svname -> status from `/stats;csv` (field 17), for the servers of one proxy. */
export async function statsStates(base: string, auth: { user: string; password: string }, proxy = 'cluster_web'): Promise<Map<string, string>> {
  const res = await request(`${base}/stats;csv`, { auth });
  if (res.status !== 200) throw new Error(`${base}/stats;csv answered HTTP ${res.status} with the credentials`);
  const lines = res.body.split('\n');
  const header = lines[0]!.replace(/^# /, '').split(',');
  const col = header.indexOf('status');
  if (col !== 17) throw new Error(`stats CSV: status is column ${col}, expected 17: ${lines[0]}`);
  const states = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[0] === proxy && f[1] && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND') states.set(f[1], f[col]!);
  }
  return states;
}

/** The servers' health and error counters from the stats CSV, one line each: for failure messages. */
export async function statsDiagnostics(base: string, auth: { user: string; password: string }, proxy = 'cluster_web'): Promise<string> {
  try {
    const res = await request(`${base}/stats;csv`, { auth });
    const [head, ...rows] = res.body.split('\n');
    const cols = head!.replace(/^# /, '').split(',');
    const pick = ['svname', 'status', 'check_status', 'check_duration', 'chkfail', 'chkdown', 'lastchg', 'stot', 'econ', 'eresp', 'hrsp_2xx', 'hrsp_5xx'];
    return rows
      .map((r) => r.split(','))
      .filter((f) => f[0] === proxy)
      .map((f) => pick.map((c) => `${c}=${f[cols.indexOf(c)] ?? '?'}`).join(' '))
      .join('\n');
  } catch (e) {
    return `(stats page: ${(e as Error).message})`;
  }
}

/** Polls the stats page until want(states) holds; returns the states, or throws with the last ones. */
export async function waitForStates(
  base: string,
  auth: { user: string; password: string },
  want: (s: Map<string, string>) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Map<string, string>> {
  const end = Date.now() + timeoutMs;
  let last = new Map<string, string>();
  let lastErr = '';
  while (Date.now() < end) {
    try {
      last = await statsStates(base, auth);
      if (want(last)) return last;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`stats page never showed ${what} within ${timeoutMs} ms: ${JSON.stringify([...last])}${lastErr ? ` (${lastErr})` : ''}`);
}

/**
 * Keep-alive as a client sees it: two requests through one keep-alive agent. Returns the first response's
 * Connection header and whether the second request reused the connection.
 */
export async function keepAliveProbe(url: string): Promise<{ connection: string | undefined; reused: boolean; statuses: number[] }> {
  const secure = url.startsWith('https:');
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await request(url, { agent });
    // Let a close from the server (Connection: close) reach the agent before the next request.
    await new Promise((r) => setTimeout(r, 100));
    const second = await request(url, { agent });
    const connection = first.headers['connection'];
    return { connection: typeof connection === 'string' ? connection.toLowerCase() : undefined, reused: second.reusedSocket, statuses: [first.status, second.status] };
  } finally {
    agent.destroy();
  }
}

export interface Load {
  /** Stops and returns every outcome: 'HTTP 200', 'HTTP 503', or an error message. */
  stop(): Promise<{ total: number; failures: string[]; /** ms from the first failure to the last (0 if none) */ failureSpanMs: number }>;
}

/** Keeps requesting url (one at a time, a new connection each) until stopped: an outage shows as a failure. */
export function keepRequesting(url: string, pauseMs = 20): Load {
  let running = true;
  let total = 0;
  const failures: string[] = [];
  const times: number[] = [];
  const loop = (async () => {
    while (running) {
      total++;
      try {
        const res = await request(url, { timeoutMs: 3000 });
        if (res.status !== 200) {
          failures.push(`#${total} HTTP ${res.status}`);
          times.push(Date.now());
        }
      } catch (e) {
        failures.push(`#${total} ${(e as Error).message}`);
        times.push(Date.now());
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { total, failures, failureSpanMs: times.length ? times[times.length - 1]! - times[0]! : 0 };
    },
  };
}
