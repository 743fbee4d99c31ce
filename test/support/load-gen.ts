// A load generator for reload tests (issue 17, item 1): plain node:http, no package, so the tests need nothing on
// the machine running them and count exactly what a client sees. Two kinds: `fresh` opens a new connection per
// request (Connection: close), `keepalive` keeps N connections open (one agent with one socket per worker) and
// sends request after request over each. It counts, never times: a test asserts failed === 0 and resets === 0.
import http from 'node:http';

export type LoadKind = 'fresh' | 'keepalive';

export interface LoadCounts {
  kind: LoadKind;
  /** Requests answered 2xx/3xx. */
  ok: number;
  /** Requests answered with another status, or that errored (resets included). */
  failed: number;
  /** Of the failed: the connection was reset or closed under the request (ECONNRESET, EPIPE, socket hang up). */
  resets: number;
  /** A few of the failures as they were seen, to say what happened. */
  samples: string[];
}

export interface Load {
  /** Stops after the requests in flight are answered and returns the counts. */
  stop(): Promise<LoadCounts>;
  counts(): LoadCounts;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function once(url: URL, agent: http.Agent | false, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = agent ? {} : { connection: 'close' };
    const req = http.get(url, { agent, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

/** Starts `workers` loops (default: 4 for fresh, 50 for keepalive) against url until stop(). */
export function startLoad(url: string, kind: LoadKind, o: { workers?: number; timeoutMs?: number } = {}): Load {
  const u = new URL(url);
  const workers = o.workers ?? (kind === 'keepalive' ? 50 : 4);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const c: LoadCounts = { kind, ok: 0, failed: 0, resets: 0, samples: [] };
  let running = true;
  const agents: http.Agent[] = [];
  const loop = async () => {
    // One socket per worker: N workers hold N kept-alive connections at once.
    const agent = kind === 'keepalive' ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
    if (agent) agents.push(agent);
    while (running) {
      try {
        const status = await once(u, agent, timeoutMs);
        if (status >= 200 && status < 400) c.ok++;
        else {
          c.failed++;
          if (c.samples.length < 5) c.samples.push(`HTTP ${status}`);
        }
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        c.failed++;
        if (err.code && RESET_CODES.has(err.code)) c.resets++;
        if (c.samples.length < 5) c.samples.push(`${err.code ?? 'error'}: ${err.message}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, loop));
  return {
    counts: () => ({ ...c, samples: [...c.samples] }),
    async stop() {
      running = false;
      await done;
      for (const a of agents) a.destroy();
      return { ...c, samples: [...c.samples] };
    },
  };
}
