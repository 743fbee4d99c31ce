// verify for an HA pair (issue 16): whether this LB holds the VIP right now, and that the site answers on the
// VIP, asked as a client would (from haforge's machine). Read-only.
import type { HostContext, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { httpGet } from './lib/http.js';
import { quote } from '../runner/transport/quote.js';
import { vipOf, type Vip } from './ha-options.js';
import { opt } from './options.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exit 0 with a line when this host holds the VIP. */
export const holdsVipCommand = (vip: Vip) => `ip -4 -o addr show to ${quote(`${vip.address}/32`)}`;

function holder(vip: Vip): Step {
  return {
    name: `vip ${vip.address}: held here or not`,
    async check(h) {
      if (h.dryRun) return { state: 'skip', reason: 'dry run: `haforge verify` checks the cluster as it is' };
      const r = await h.run(holdsVipCommand(vip));
      if (r.code !== 0) throw new StepError(`cannot read the addresses of ${h.name}: ${r.stderr.trim()}`);
      return { state: 'ok', note: r.stdout.trim() ? `${h.name} holds the VIP (master)` : `${h.name} does not hold the VIP (backup)` };
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
