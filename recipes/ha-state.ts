// An LB's part in the HA pair as it is now (issue 16), for `haforge status` and `haforge failover`: whether it
// holds the VIP, whether keepalived and haproxy run, in one read-only command. keepalived's own VRRP state is
// not asked of keepalived (its data dump writes a file): it follows from these, since every node starts as
// BACKUP and the track script (weight 0) puts a node whose haproxy is down in FAULT.
import { StepError, type Fact } from '../runner/engine/types.js';
import { statusCommand } from '../runner/engine/primitives/service.js';
import { holdsVipCommand } from './verify-vip.js';
import { HAPROXY_SERVICE } from './haproxy-service.js';
import { KEEPALIVED_SERVICE } from './keepalived.js';
import type { Vip } from './ha-options.js';

export type VrrpRole = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOPPED';

export interface LbState {
  holdsVip: boolean;
  keepalived: boolean;
  haproxy: boolean;
  role: VrrpRole;
}

/** The role from what the host shows: the VIP means master; keepalived without haproxy is FAULT. */
export function roleOf(s: Omit<LbState, 'role'>): VrrpRole {
  if (s.holdsVip) return 'MASTER';
  if (!s.keepalived) return 'STOPPED';
  return s.haproxy ? 'BACKUP' : 'FAULT';
}

export function lbState(vip: Vip): Fact<LbState> {
  const yes = (cmd: string, key: string) => `if ${cmd} >/dev/null 2>&1; then echo ${key}=1; else echo ${key}=0; fi`;
  return {
    name: `lb-state:${vip.address}`,
    // The VIP test must tell "not held" from "cannot ask": `ip` failing is an error, not a backup.
    command: [`v=$(${holdsVipCommand(vip)}) || { echo "ip failed" >&2; exit 3; }; if [ -n "$v" ]; then echo vip=1; else echo vip=0; fi`, yes(statusCommand(KEEPALIVED_SERVICE), 'keepalived'), yes(statusCommand(HAPROXY_SERVICE), 'haproxy')].join('; '),
    parse(r) {
      if (r.code !== 0) throw new StepError(`cannot read the VIP and services: ${r.stderr.trim() || `exit ${r.code ?? r.signal ?? '?'}`}`);
      const kv = new Map(r.stdout.split('\n').map((l) => l.trim().split('=') as [string, string]));
      const s = { holdsVip: kv.get('vip') === '1', keepalived: kv.get('keepalived') === '1', haproxy: kv.get('haproxy') === '1' };
      return { ...s, role: roleOf(s) };
    },
  };
}

/** One line for an LB: `MASTER (holds 10.0.0.250), keepalived running, haproxy running`. */
export function describeState(vip: Vip, s: LbState): string {
  const run = (b: boolean) => (b ? 'running' : 'stopped');
  return `${s.role}${s.holdsVip ? ` (holds ${vip.address})` : ''}, keepalived ${run(s.keepalived)}, haproxy ${run(s.haproxy)}`;
}
