// drain / maint / ready (issue 17 item 2): a web node's state on every LB, through HAProxy's runtime API, no
// reload. `haforge drain web1` runs this recipe with server_node=web1 and server_action=drain (recipes/commands.ts).
// Drain then waits for the node's sessions to reach 0 (or --timeout). Taking away the last serving node is refused
// unless --force: every LB's view is read before any LB changes (peerFacts), so none drains and another refuses.
import type { HostContext, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { packageInstalled } from '../runner/engine/facts.js';
import { setServerState, serving, webServerStates, type AdminState, type ServerState } from './lib/haproxy-runtime.js';
import { opt } from './options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function wanted(h: HostContext): { node: string; state: AdminState } {
  const node = h.vars['server_node'];
  const state = h.vars['server_action'];
  if (typeof node !== 'string' || (state !== 'drain' && state !== 'maint' && state !== 'ready')) {
    throw new StepError('server-state needs server_node and server_action (use `haforge drain|maint|ready NODE`)');
  }
  return { node, state };
}

const describe = (s: ServerState): string =>
  `${s.admin.toUpperCase()}${s.status ? ` (status ${s.status})` : ''}${s.sessions !== undefined ? `, ${String(s.sessions)} sessions` : ''}`;

async function current(h: HostContext, node: string): Promise<ServerState> {
  h.forget(webServerStates);
  const s = (await h.fact(webServerStates)).find((x) => x.server === node);
  if (!s) throw new StepError(`HAProxy on ${h.name} has no server ${node} (run haforge up first)`);
  return s;
}

/** The LBs (this run's) where no node but this one would still serve: refused unless --force. */
function lastServing(h: HostContext, node: string): string[] {
  const out: string[] = [];
  for (const lb of h.cluster.hosts('lb').filter((p) => p.inRun)) {
    const states = lb.fact(webServerStates);
    if (!states.some((s) => s.server !== node && serving(s))) out.push(lb.name);
  }
  return out;
}

const setState: Step = {
  name: 'set the node\'s state',
  async check(h) {
    const { node, state } = wanted(h);
    const now = await current(h, node);
    if (now.admin === state) return { state: 'ok', note: `${node} on ${h.name}: ${describe(now)}` };
    if (state !== 'ready' && !opt<boolean>(h, 'force')) {
      const last = lastServing(h, node);
      if (last.length) {
        throw new StepError(`${node} is the last serving web node on ${last.join(', ')}: refused to ${state} it (--force does it anyway)`);
      }
    }
    return { state: 'change', note: `${node} on ${h.name}: ${now.admin.toUpperCase()} -> ${state.toUpperCase()}`, actions: [{ kind: 'run', command: setServerState(node, state) }] };
  },
};

/** Drain only: wait (reads only) until the node holds no session on this LB, or --timeout seconds. */
const waitDrained: Step = {
  name: 'wait for the node\'s sessions to reach 0',
  async check(h) {
    const { node } = wanted(h);
    if (h.dryRun) return { state: 'skip', reason: 'dry run: nothing was drained' };
    const timeoutS = opt<number>(h, 'timeout');
    const started = Date.now();
    for (;;) {
      const now = await current(h, node);
      const left = now.sessions ?? 0;
      if (left === 0) return { state: 'ok', note: `${node} on ${h.name}: ${describe(now)} after ${((Date.now() - started) / 1000).toFixed(1)} s` };
      if (Date.now() - started >= timeoutS * 1000) {
        throw new StepError(`${node} on ${h.name} still has ${String(left)} sessions after ${String(timeoutS)} s (--timeout); it stays drained`);
      }
      h.progress(`${String(left)} sessions left`);
      await sleep(500);
    }
  },
};

export const socatInstalled = packageInstalled('socat');

export const serverState: Recipe = {
  name: 'server-state',
  summary: 'A web node drained, in maintenance or ready on every LB, through the runtime API (haforge drain|maint|ready NODE)',
  roles: ['lb'],
  explicit: true,
  requires: [{ recipe: 'haproxy-install', fact: socatInstalled, what: 'socat (the runtime API client)' }],
  peerFacts: [{ groups: ['lb'], facts: [webServerStates], when: (v) => v['server_action'] === 'drain' || v['server_action'] === 'maint' }],
  steps(h) {
    return wanted(h).state === 'drain' ? [setState, waitDrained] : [setState];
  },
};
