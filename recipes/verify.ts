// Tutorial step 8: "check that both web nodes show green" — and more: every check is reported by name,
// made as a client would, through the load balancer.
import type { HostContext, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { cookiesOf, httpGet, servedBy } from './lib/http.js';
import { opt } from './options.js';
import { vipChecks } from './verify-vip.js';
import { tlsChecks } from './verify-tls.js';

const LISTEN = 'cluster_web';

export interface Target {
  http: string;
  base: string;
  auth: { user: string; password: string };
  nodes: string[];
}

function target(h: HostContext): Target {
  return statsTarget(h.spec.address, h);
}

/** How to reach one LB's site and stats page (its own address), with the run's stats credentials. */
export function statsTarget(address: string, h: Pick<HostContext, 'vars' | 'secrets' | 'cluster'>): Target {
  const host = address.includes(':') ? `[${address}]` : address;
  const httpBase = `http://${host}:${opt<number>(h, 'http_port')}`;
  const base = opt<boolean>(h, 'https') ? `https://${host}:${opt<number>(h, 'https_port')}` : httpBase;
  const password = h.secrets['stats_password'];
  if (!password) throw new StepError('the stats page password is missing: set HAFORGE_STATS_PASSWORD');
  return { http: httpBase, base, auth: { user: opt<string>(h, 'stats_user'), password }, nodes: h.cluster.hosts('web').map((x) => x.name) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every web server's status on the stats CSV (field 17), read with the credentials. */
export async function serverStates(t: Target): Promise<Map<string, string>> {
  const res = await httpGet(`${t.base}/stats;csv`, { auth: t.auth });
  if (res.status !== 200) throw new StepError(`stats page answered HTTP ${res.status} with the configured credentials`);
  const states = new Map<string, string>();
  for (const line of res.body.split('\n')) {
    const f = line.split(',');
    if (f[0] === LISTEN && f[1] && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND') states.set(f[1], f[17] ?? '?');
  }
  return states;
}

function check(name: string, run: (t: Target) => Promise<string>): Step {
  return {
    name,
    async check(h) {
      // A dry run changed nothing, so these checks would judge the old cluster against the new settings.
      if (h.dryRun) return { state: 'skip', reason: 'dry run: `haforge verify` checks the cluster as it is' };
      return { state: 'ok', note: await run(target(h)) };
    },
  };
}

const statsLogin = check('stats page refuses requests without credentials', async (t) => {
  const res = await httpGet(`${t.base}/stats;csv`);
  if (res.status !== 401) throw new StepError(`stats page answered HTTP ${res.status} without credentials (expected 401)`);
  return '401 without credentials';
});

const allUp = check('stats page shows every web node UP', async (t) => {
  // Health checks need a few seconds after a (re)load: wait up to 20 s for the nodes to settle.
  let states = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    states = await serverStates(t);
    if (t.nodes.every((n) => states.get(n) === 'UP')) return `${t.nodes.join(', ')} UP`;
    if (i >= 12 && [...states.values()].every((s) => !s.includes(' '))) break; // settled, not in transition
    await sleep(500);
  }
  const bad = t.nodes.filter((n) => states.get(n) !== 'UP').map((n) => `${n} ${states.get(n) ?? 'missing'}`);
  throw new StepError(`not every web node is UP: ${bad.join(', ')}`);
});

async function upNodes(t: Target): Promise<string[]> {
  const states = await serverStates(t);
  return t.nodes.filter((n) => states.get(n) === 'UP');
}

const spread = check('requests reach every UP web node', async (t) => {
  const up = await upNodes(t);
  const seen = new Set<string>();
  const ask = async (n: number) => {
    for (let i = 0; i < n && up.some((u) => !seen.has(u)); i++) {
      const node = servedBy((await httpGet(`${t.base}/`)).body);
      if (node) seen.add(node);
    }
  };
  await ask(up.length * 3);
  // A node that just died stays UP on the stats page until its health checks fail (1-3 s), while HAProxy
  // already sends its requests to the others (redispatch); and one that just came back may be skipped for a
  // moment. Ask again while the checks settle: a node UP that never answers in 12 s is a failure.
  for (let i = 0; i < 24 && up.some((u) => !seen.has(u)); i++) {
    await sleep(500);
    const missed = up.filter((n) => !seen.has(n));
    const states = await serverStates(t);
    const down = missed.filter((n) => !(states.get(n) ?? '').startsWith('UP'));
    if (down.length === missed.length) {
      const what = down.map((n) => `${n} ${states.get(n) ?? 'missing'}`).join(', ');
      throw new StepError(`not every web node is UP: ${what} (requests never reached ${missed.length > 1 ? 'them' : 'it'})`);
    }
    await ask(up.length);
  }
  const missed = up.filter((n) => !seen.has(n));
  if (missed.length) {
    throw new StepError(`requests never reached ${missed.join(', ')}, though the stats page shows ${missed.length > 1 ? 'them' : 'it'} UP`);
  }
  return `answered by ${[...seen].sort().join(', ')}`;
});

const stickySource = check('requests from one client stick to one node (source)', async (t) => {
  const nodes = new Set<string>();
  for (let i = 0; i < 6; i++) nodes.add(servedBy((await httpGet(`${t.base}/`)).body) ?? '?');
  if (nodes.size !== 1) throw new StepError(`one client was served by ${[...nodes].join(', ')}`);
  return `all 6 requests served by ${[...nodes][0]}`;
});

function stickyCookie(path: string, cookieName: string, what: string): Step {
  return check(`a client keeping its cookie stays on one node (${what})`, async (t) => {
    const first = await httpGet(`${t.base}${path}`);
    const cookie = cookiesOf(first);
    if (!cookie?.includes(`${cookieName}=`)) throw new StepError(`no ${cookieName} cookie in the first answer (HTTP ${first.status})`);
    const node = servedBy(first.body);
    for (let i = 0; i < 5; i++) {
      const again = servedBy((await httpGet(`${t.base}${path}`, { cookie })).body);
      if (again !== node) throw new StepError(`with cookie ${cookieName}, request ${i + 2} went to ${again ?? '?'} instead of ${node ?? '?'}`);
    }
    return `6 requests with the cookie all served by ${node}`;
  });
}

const httpsRedirect = check('http redirects to https, and https answers', async (t) => {
  const res = await httpGet(`${t.http}/`);
  const location = String(res.headers['location'] ?? '');
  if (res.status < 301 || res.status > 308 || !location.startsWith('https://')) {
    throw new StepError(`http answered HTTP ${res.status}${location ? ` to ${location}` : ''}, expected a redirect to https`);
  }
  const secure = await httpGet(`${t.base}/`);
  if (secure.status !== 200) throw new StepError(`https answered HTTP ${secure.status}`);
  return `${res.status} to ${location}; https 200`;
});

export const verify: Recipe = {
  name: 'verify',
  summary: 'Through the LB: stats login, every web node UP, requests reach every node, persistence and HTTPS behave',
  roles: ['lb'],
  after: ['haproxy-service', 'apache-install', 'keepalived-config'],
  // Runs when every host has finished the recipes before it: the web nodes must be up first.
  sync: true,
  steps(h) {
    const persistence = opt<string>(h, 'persistence');
    const steps = [statsLogin, allUp];
    if (persistence === 'source') steps.push(stickySource);
    else steps.push(spread);
    if (persistence === 'cookie-insert') steps.push(stickyCookie('/', (h.vars['cookie_name'] as string) ?? 'SERVERID', 'cookie-insert'));
    if (persistence === 'cookie-prefix') steps.push(stickyCookie('/session.php', (h.vars['cookie_name'] as string) ?? 'PHPSESSID', 'cookie-prefix'));
    if (opt<boolean>(h, 'https')) steps.push(httpsRedirect, ...tlsChecks(h));
    steps.push(...vipChecks(h));
    return steps;
  },
};
