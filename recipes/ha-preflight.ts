// The HA pair's rules across hosts (issue 16), checked before any connection: one VIP for every LB (a second
// VIP list on one of them is split brain), in the LBs' subnet, not a host's own address, and an unambiguous
// election. A problem names the file and the place the var was set.
import { isIP } from 'node:net';
import type { HostSpec, Inventory, Vars } from '../runner/inventory/types.js';
import { inSubnet, parseVip, priorityOf } from './ha-options.js';

export interface ClusterCheck {
  /** A problem to report with exit 2, or undefined. */
  problem?: string;
  warnings?: string[];
}

export function haPreflight(inv: Inventory, run?: { recipes: readonly string[]; vars: Readonly<Vars> }): ClusterCheck {
  const lbs = (inv.groups['lb'] ?? []).map((n) => inv.hosts.find((h) => h.name === n)!).filter(Boolean);
  const at = (host: string, name: string) => `${inv.file}: ${inv.varPaths?.[host]?.[name] ?? `vars.${name}`}`;
  const withVip = lbs.filter((h) => h.vars['vip'] !== undefined);
  const failover = run?.recipes.includes('failover') ? failoverProblem(inv, lbs, withVip.length, run.vars) : undefined;
  if (failover) return { problem: failover };
  if (withVip.length === 0) return { warnings: [] };
  const first = withVip[0]!;
  const given = String(first.vars['vip']);
  const vip = parseVip(given);
  if (!vip) return { problem: `${at(first.name, 'vip')}: ${JSON.stringify(given)} is not an IPv4 address with a prefix length 1-32, e.g. 192.0.2.100/24` };
  const other = lbs.find((h) => h.vars['vip'] !== given);
  if (other) {
    const theirs = other.vars['vip'] === undefined ? 'none' : JSON.stringify(other.vars['vip']);
    return { problem: `${at(other.name, 'vip')}: load balancer ${other.name} has vip ${theirs}, ${first.name} has ${JSON.stringify(given)}: every LB must carry the same VIP (different ones are split brain); set vip once in groups.lb.vars` };
  }
  const owner = inv.hosts.find((h) => h.address === vip.address);
  if (owner) return { problem: `${at(first.name, 'vip')}: ${vip.address} is the address of host ${owner.name}; the VIP must be a free address of the LBs' subnet` };
  const literal = lbs.filter((h) => isIP(h.address) === 4);
  if (first.vars['vip_interface'] === undefined && literal.length > 0 && !literal.some((h) => inSubnet(h.address, vip))) {
    return { problem: `${at(first.name, 'vip')}: ${given} is outside every load balancer's subnet (${literal.map((h) => `${h.name} ${h.address}`).join(', ')}); use a free address of their network, or set vip_interface` };
  }
  const advert = first.vars['vrrp_advert_int'];
  if (typeof advert === 'number' && !Number.isInteger(advert) && (advert > 40.95 || Math.abs(Math.round(advert * 100) - advert * 100) > 1e-6)) {
    return { problem: `${at(first.name, 'vrrp_advert_int')}: ${advert} s: below-a-second and fractional intervals (VRRPv3) go in steps of 0.01 s up to 40.95` };
  }
  for (const name of ['vrrp_router_id', 'vrrp_advert_int', 'preempt'] as const) {
    const odd = lbs.find((h) => h.vars[name] !== first.vars[name]);
    if (odd) return { problem: `${at(odd.name, name)}: ${odd.name} and ${first.name} differ; ${name} must be the same on every load balancer of the pair (set it in groups.lb.vars)` };
  }
  if (first.vars['preempt'] === true) {
    const seen = new Map<number, string>();
    for (const [i, h] of lbs.entries()) {
      const p = priorityOf(h, i);
      const twin = seen.get(p);
      if (twin) return { problem: `${at(h.name, 'vrrp_priority')}: ${h.name} and ${twin} both have priority ${p} with preempt: true, so which one takes the VIP back is ambiguous; give them different vrrp_priority values` };
      seen.set(p, h.name);
    }
  }
  const warnings = lbs.length === 1 ? [`${at(first.name, 'vip')}: a vip with one load balancer (${first.name}): keepalived holds it, but there is no partner to fail over to`] : [];
  return { warnings };
}

/** `haforge failover` needs a pair to move the VIP within, and nopreempt (else the VIP goes back at once). */
function failoverProblem(inv: Inventory, lbs: readonly HostSpec[], withVip: number, flags: Readonly<Vars>): string | undefined {
  if (withVip < 2) {
    return `${inv.file}: groups.lb: failover needs an HA pair: two or more load balancers with a vip (${lbs.length} LB${lbs.length === 1 ? '' : 's'}, ${withVip} with a vip)`;
  }
  const preempt = lbs.find((h) => h.vars['preempt'] === true);
  if (preempt) {
    return `${inv.file}: ${inv.varPaths?.[preempt.name]?.['preempt'] ?? 'vars.preempt'}: failover with preempt: true would see the VIP go back to the LB with the highest priority; change vrrp_priority instead, or set preempt: false`;
  }
  const to = flags['to'];
  if (typeof to === 'string' && !lbs.some((h) => h.name === to)) return `--to ${to}: not a load balancer of ${inv.file} (${lbs.map((h) => h.name).join(', ')})`;
  return undefined;
}
