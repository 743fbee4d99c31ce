// verify for an HA pair (issue 16): whether this LB holds the VIP right now, and that the site answers on the
// VIP, asked as a client would (from haforge's machine). Read-only.
import type { Fact, HostContext, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { httpGet } from './lib/http.js';
import { quote } from '../runner/transport/quote.js';
import { vipOf, type Vip } from './ha-options.js';
import { opt } from './options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exit 0 with a line when this host holds the VIP. */
export const holdsVipCommand = (vip: Vip) => `ip -4 -o addr show to ${quote(`${vip.address}/32`)}`;

/** Whether the host holds the VIP now (a fact read live on every LB: PeerView.readNow). */
export function vipHeld(vip: Vip): Fact<boolean> {
  return {
    name: `vip-held:${vip.address}`,
    command: holdsVipCommand(vip),
    parse(r) {
      if (r.code !== 0) throw new StepError(`cannot read the addresses: ${r.stderr.trim() || `exit ${r.code ?? r.signal ?? '?'}`}`);
      return r.stdout.trim() !== '';
    },
  };
}

/** One look at every LB of the run: which hold the VIP, and which could not be read now (a later batch). */
export async function vipHolders(h: HostContext, vip: Vip): Promise<{ holders: string[]; unread: string[] }> {
  const lbs = h.cluster.hosts('lb').filter((p) => p.inRun && vipOf({ vars: p.vars }) !== undefined);
  const fact = vipHeld(vip);
  const seen = await Promise.all(lbs.map((p) => p.readNow(fact).then((held) => ({ name: p.name, held }), (e: unknown) => ({ name: p.name, held: undefined, why: e }))));
  for (const s of seen) if ('why' in s && !String((s.why as Error).message).includes('not connected yet')) throw s.why;
  return { holders: seen.filter((s) => s.held === true).map((s) => s.name), unread: seen.filter((s) => s.held === undefined).map((s) => s.name) };
}

/** A one-line reason when the pair is not healthy: split brain (two holders) or an outage (none). */
export function holdersProblem(vip: Vip, holders: readonly string[], read: readonly string[]): string | undefined {
  if (holders.length === 1) return undefined;
  if (holders.length === 0) return `no LB holds the VIP ${vip.address} (${read.join(', ')} all backup or faulty): is keepalived running, and is haproxy up on one of them?`;
  return `split brain: ${holders.join(' and ')} all hold the VIP ${vip.address} (VRRP adverts not getting through? IP protocol 112 must pass between the LBs both ways; or their keepalived.conf differ)`;
}

function holder(vip: Vip): Step {
  return {
    name: `vip ${vip.address}: exactly one LB holds it`,
    async check(h) {
      if (h.dryRun) return { state: 'skip', reason: 'dry run: `haforge verify` checks the cluster as it is' };
      // A pair just started elects its master after about 3 adverts (every node starts as backup), and a
      // failover takes as long: look again for a while before calling none or two a failure.
      let last = { holders: [] as string[], unread: [] as string[] };
      for (let waited = 0; waited <= 20_000; waited += 500) {
        last = await vipHolders(h, vip);
        const read = h.cluster.hosts('lb').filter((p) => p.inRun && !last.unread.includes(p.name)).map((p) => p.name);
        // With a rolling order the other LBs may not be connected now: judge only this host then.
        if (read.length < 2 && last.unread.length > 0) {
          const mine = last.holders.includes(h.name);
          return { state: 'ok', note: `${h.name} ${mine ? 'holds' : 'does not hold'} the VIP (${last.unread.join(', ')} not reached yet: a later batch)` };
        }
        const problem = holdersProblem(vip, last.holders, read);
        if (!problem) return { state: 'ok', note: `${last.holders[0]} holds the VIP (master)${last.holders[0] === h.name ? '' : `; ${h.name} is backup`}` };
        if (waited >= 20_000) throw new StepError(problem);
        await sleep(500);
      }
      throw new StepError(holdersProblem(vip, last.holders, []) ?? 'unreachable');
    },
  };
}

function answers(vip: Vip): Step {
  return {
    name: `the site answers on the VIP ${vip.address}`,
    async check(h: HostContext) {
      if (h.dryRun) return { state: 'skip', reason: 'dry run: `haforge verify` checks the cluster as it is' };
      const https = opt<boolean>(h, 'https');
      const url = https ? `https://${vip.address}:${opt<number>(h, 'https_port')}/` : `http://${vip.address}:${opt<number>(h, 'http_port')}/`;
      // A pair just started elects its master after about 3 adverts (every node starts as backup): wait a while.
      let last = '';
      for (let waited = 0; waited <= 20_000; waited += 500) {
        try {
          const res = await httpGet(url, { timeoutMs: 2000 });
          if (res.status === 200) return { state: 'ok', note: `${url} answered 200` };
          last = `HTTP ${res.status}`;
        } catch (e) {
          last = (e as Error).message;
        }
        await sleep(500);
      }
      throw new StepError(`the site does not answer on the VIP ${url}: ${last} (is keepalived running on the LBs?)`);
    },
  };
}

/** The VIP checks for an LB, or none without a vip. */
export function vipChecks(h: HostContext): Step[] {
  const vip = vipOf(h);
  return vip ? [holder(vip), answers(vip)] : [];
}
