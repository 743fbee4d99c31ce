// `haforge failover [--to LB]` (issue 16): moves the VIP off the LB that holds it, on purpose. How: keepalived
// is restarted on the master. Stopping it sends a priority-0 advert and drops the VIP, so a backup takes over
// at once (measured 0.3-0.7 s, ../shared/notes/ha-pair.md), and it comes back as BACKUP: every node starts so and
// nopreempt keeps it there. No file changes, so a later `up` has nothing to put back (a priority change would
// be undone by it). Refused before any connection with preempt: true (the VIP would go back). Before anything
// moves, the new master must be healthy (keepalived and haproxy running, a web node UP on its stats page),
// unless --force; then it waits until the VIP is held there and the site answers on it, and says how long.
import type { HostContext, PeerView, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { initSystem } from '../runner/engine/facts.js';
import { vipOf, type Vip } from './ha-options.js';
import { describeState, lbState, type LbState } from './ha-state.js';
import { KEEPALIVED_SERVICE } from './keepalived.js';
import { serverStates, statsTarget } from './verify.js';
import { httpGet } from './lib/http.js';
import { opt } from './options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  peer: PeerView;
  s: LbState;
}

/** Why `to` cannot take the VIP, or undefined when it can. */
async function unhealthy(h: HostContext, vip: Vip, to: Seen): Promise<string | undefined> {
  if (!to.s.keepalived || !to.s.haproxy) return `${to.peer.name} is ${describeState(vip, to.s)}`;
  const t = statsTarget(to.peer.address, h);
  const states = await serverStates(t).catch((e: Error) => new Map([['?', `stats page unreadable: ${e.message}`]]));
  if (!t.nodes.some((n) => states.get(n) === 'UP')) {
    return `no web node is UP on ${to.peer.name}'s stats page (${[...states].map(([n, s]) => `${n} ${s}`).join(', ') || 'none listed'})`;
  }
  return undefined;
}

function siteUrl(h: HostContext, vip: Vip): string {
  return opt<boolean>(h, 'https') ? `https://${vip.address}:${opt<number>(h, 'https_port')}/` : `http://${vip.address}:${opt<number>(h, 'http_port')}/`;
}

export const haFailover: Recipe = {
  name: 'failover',
  summary: 'moves the VIP to another LB (keepalived restarted on the master), refused when the new master is not healthy unless --force (`haforge failover`)',
  roles: ['lb'],
  explicit: true,
  async steps(h) {
    const vip = vipOf(h);
    if (!vip) throw new StepError('no vip on this LB: failover needs an HA pair');
    const lbs = h.cluster.hosts('lb').filter((p) => p.inRun);
    const seen: Seen[] = await Promise.all(lbs.map(async (peer) => ({ peer, s: await peer.readNow(lbState(vip)) })));
    const masters = seen.filter((x) => x.s.holdsVip);
    const mine = seen.find((x) => x.peer.name === h.name)!;
    if (!mine.s.holdsVip) {
      return [{ name: 'this LB does not hold the VIP', check: async () => ({ state: 'ok', note: describeState(vip, mine.s) }) }];
    }
    if (masters.length > 1) throw new StepError(`split brain: ${masters.map((x) => x.peer.name).join(' and ')} all hold the VIP ${vip.address}; fix that first (haforge status)`);
    const wanted = typeof h.vars['to'] === 'string' ? h.vars['to'] : undefined;
    if (wanted === h.name) {
      return [{ name: `the VIP is on ${h.name} already`, check: async () => ({ state: 'ok', note: `--to ${wanted}: nothing to move` }) }];
    }
    const candidates = seen.filter((x) => x.peer.name !== h.name && (wanted === undefined || x.peer.name === wanted));
    if (candidates.length === 0) throw new StepError(`--to ${wanted}: not an LB of this run (${seen.map((x) => x.peer.name).join(', ')})`);
    let started = 0;
    const move: Step = {
      name: `move the VIP ${vip.address} off ${h.name} (keepalived restarted here: it gives the VIP up and comes back as backup)`,
      async check(hh) {
        const problems = await Promise.all(candidates.map((c) => unhealthy(hh, vip, c)));
        const healthy = candidates.filter((_, i) => problems[i] === undefined);
        if (healthy.length === 0 && !opt<boolean>(hh, 'force')) {
          throw new StepError(`refused: ${problems.filter(Boolean).join('; ')}; --force moves the VIP anyway`);
        }
        started = Date.now();
        const init = await hh.fact(initSystem);
        return { state: 'change', note: `to ${healthy.map((c) => c.peer.name).join(' or ') || candidates.map((c) => c.peer.name).join(' or ')}`, actions: [{ kind: 'service', name: KEEPALIVED_SERVICE.name, op: 'restart', init }] };
      },
    };
    const landed: Step = {
      name: `the VIP is held by ${candidates.length === 1 ? candidates[0]!.peer.name : 'another LB'} and the site answers on it`,
      async check(hh) {
        if (hh.dryRun) return { state: 'skip', reason: 'dry run: nothing moved' };
        const url = siteUrl(hh, vip);
        let holders: string[] = [];
        let last = '';
        for (let waited = 0; waited <= 30_000; waited += 200) {
          const now = await Promise.all(lbs.map(async (p) => ((await p.readNow(lbState(vip))).holdsVip ? p.name : '')));
          holders = now.filter(Boolean);
          if (holders.length === 1 && holders[0] !== h.name) {
            const res = await httpGet(url, { timeoutMs: 1000 }).then((r) => `HTTP ${r.status}`, (e: Error) => e.message);
            if (res === 'HTTP 200') {
              if (wanted !== undefined && holders[0] !== wanted) throw new StepError(`the VIP went to ${holders[0]}, not to ${wanted} (keepalived chose by priority)`);
              return { state: 'ok', note: `${holders[0]} holds the VIP and ${url} answers, ${((Date.now() - started) / 1000).toFixed(2)} s after the move started` };
            }
            last = res;
          }
          await sleep(200);
        }
        throw new StepError(`the VIP did not settle on another LB within 30 s: held by ${holders.join(', ') || 'nobody'}${last ? `; ${url}: ${last}` : ''}`);
      },
    };
    return [move, landed];
  },
};
