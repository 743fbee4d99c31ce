// `haforge status` (issue 16): per LB, its part in the pair (VIP held, keepalived, haproxy) and every web
// server's state on its own stats page; on each LB a line for the pair: which LB holds the VIP (two is split
// brain, none an outage: those fail, so scripts see them in the exit code). Read-only: no step plans a change.
import type { HostContext, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { vipOf, type Vip } from './ha-options.js';
import { describeState, lbState } from './ha-state.js';
import { holdersProblem } from './verify-vip.js';
import { serverStates, statsTarget } from './verify.js';
import { statusCommand } from '../runner/engine/primitives/service.js';
import { HAPROXY_SERVICE } from './haproxy-service.js';

const ownState = (vip: Vip): Step => ({
  name: 'this LB: VRRP role, keepalived, haproxy',
  async check(h) {
    return { state: 'ok', note: describeState(vip, await h.fact(lbState(vip))) };
  },
});

const haproxyOnly: Step = {
  name: 'this LB: haproxy',
  async check(h) {
    return { state: 'ok', note: `haproxy ${(await h.run(statusCommand(HAPROXY_SERVICE))).code === 0 ? 'running' : 'stopped'} (no vip: not a pair)` };
  },
};

const servers: Step = {
  name: 'web servers on this LB\'s stats page',
  async check(h) {
    const t = statsTarget(h.spec.address, h);
    let states: Map<string, string>;
    try {
      states = await serverStates(t);
    } catch (e) {
      throw new StepError(`cannot read the stats page ${t.base}/stats: ${(e as Error).message}`);
    }
    return { state: 'ok', note: t.nodes.map((n) => `${n} ${states.get(n) ?? 'missing'}`).join(', ') || 'no web node in the inventory' };
  },
};

const pair = (vip: Vip): Step => ({
  name: `the pair: who holds the VIP ${vip.address}`,
  async check(h: HostContext) {
    const lbs = h.cluster.hosts('lb').filter((p) => p.inRun);
    const seen = await Promise.all(lbs.map(async (p) => ({ name: p.name, s: await p.readNow(lbState(vip)) })));
    const holders = seen.filter((x) => x.s.holdsVip).map((x) => x.name);
    const roles = seen.map((x) => `${x.name} ${x.s.role}`).join(', ');
    const problem = lbs.length > 1 ? holdersProblem(vip, holders, lbs.map((p) => p.name)) : undefined;
    if (problem) throw new StepError(`${problem}; ${roles}`);
    return { state: 'ok', note: `${holders[0] ?? 'nobody'} holds the VIP; ${roles}` };
  },
});

export const haStatus: Recipe = {
  name: 'status',
  summary: 'read-only: which LB holds the VIP, keepalived and haproxy per LB, web servers UP/DOWN per LB (`haforge status`)',
  roles: ['lb'],
  explicit: true,
  steps(h) {
    const vip = vipOf(h);
    if (!vip) return [haproxyOnly, servers];
    // The pair's line once, on the first LB of the run (it reads every LB).
    const first = h.cluster.hosts('lb').find((p) => p.inRun)?.name === h.name;
    return first ? [ownState(vip), servers, pair(vip)] : [ownState(vip), servers];
  },
};
