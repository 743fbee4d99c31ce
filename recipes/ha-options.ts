// The HA pair's vars (issue 16): a virtual IP that keepalived (VRRP, unicast) moves between the load balancers.
// Inventory vars only (no flags): they describe the network, not a run. The cross-host rules are in ha-preflight.ts.
import type { RunOption, HostContext, PeerView } from '../runner/engine/types.js';

const CIDR4 = /^(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

export const haVars: RunOption[] = [
  { name: 'vip', kind: 'var', readBy: ['keepalived-install', 'keepalived-config', 'haproxy-config', 'verify'], type: 'string', pattern: { regex: CIDR4, allowed: 'an IPv4 address with its prefix length, e.g. 192.0.2.100/24' }, description: 'virtual IP the load balancers share (keepalived, VRRP over unicast); HAProxy listens on it' },
  { name: 'vip_interface', kind: 'var', readBy: ['keepalived-install', 'keepalived-config'], type: 'string', pattern: { regex: /^[A-Za-z0-9_.:@-]{1,15}$/, allowed: 'a network interface name (1-15 letters, digits, "_", ".", ":", "@" or "-")' }, description: 'interface that carries the VIP (default: the one holding the LB\'s address in the VIP\'s subnet)' },
  { name: 'vrrp_router_id', kind: 'var', readBy: ['keepalived-config'], type: 'number', min: 1, max: 255, description: 'VRRP virtual router id, unique per network segment (default: derived from the VIP, see README)' },
  { name: 'vrrp_priority', kind: 'var', readBy: ['keepalived-config'], type: 'number', min: 1, max: 254, description: 'this LB\'s VRRP priority (default: 200 for the first LB, 10 less for each next one)' },
  { name: 'vrrp_advert_int', kind: 'var', readBy: ['keepalived-config'], type: 'number', fractional: true, min: 0.01, max: 255, default: 1, description: 'seconds between VRRP adverts; below 1 (in steps of 0.01, at most 40.95) uses VRRPv3' },
  { name: 'preempt', kind: 'var', readBy: ['keepalived-config'], type: 'boolean', default: false, description: 'a returning LB with a higher priority takes the VIP back (default: it stays backup, no second interruption)' },
];

/** `haforge failover`'s options (flags; as vars too, like every recipe option, though a run is where they belong). */
export const haFlags: RunOption[] = [
  { name: 'to', readBy: ['failover'], type: 'string', value: 'LB', pattern: { regex: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, allowed: 'an LB\'s inventory name' }, description: 'with `failover`: the LB that is to take the VIP (default: the other one)' },
  { name: 'force', default: false, readBy: ['failover', 'server-state'], type: 'boolean', description: 'with `failover`: move the VIP even when the new master is not healthy; with drain/maint: also when no other web node would still serve' },
];

export interface Vip {
  address: string;
  prefix: number;
}

/** `10.0.0.100/24` as address and prefix; undefined for anything else (octet > 255, prefix outside 1..32). */
export function parseVip(value: unknown): Vip | undefined {
  if (typeof value !== 'string' || !CIDR4.test(value)) return undefined;
  const [address, p] = value.split('/') as [string, string];
  const prefix = Number(p);
  if (address.split('.').some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0'))) || prefix < 1 || prefix > 32) return undefined;
  return { address, prefix };
}

const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** Whether an IPv4 address lies in the VIP's subnet. */
export function inSubnet(address: string, vip: Vip): boolean {
  const mask = vip.prefix === 0 ? 0 : (0xffffffff << (32 - vip.prefix)) >>> 0;
  return ((toInt(address) & mask) >>> 0) === ((toInt(vip.address) & mask) >>> 0);
}

/**
 * The default virtual router id: 1..255 from a hash (FNV-1a) of the VIP. Derived from the VIP rather than the
 * inventory's file name: a renamed or copied inventory keeps its pair's id, and two pairs on one segment differ
 * by their VIPs. Two VIPs can still hash alike: set vrrp_router_id when several pairs share a network.
 */
export function defaultRouterId(vip: string): number {
  let h = 0x811c9dc5;
  for (const c of vip) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return (h % 255) + 1;
}

/** An LB's priority: its own var, else 200 for the first LB of the group and 10 less for each next one. */
export function priorityOf(lb: Pick<PeerView, 'vars'>, index: number): number {
  const own = lb.vars['vrrp_priority'];
  return typeof own === 'number' ? own : Math.max(1, 200 - 10 * index);
}

/** The VIP of this run, when one is set. */
export const vipOf = (h: Pick<HostContext, 'vars'>): Vip | undefined => parseVip(h.vars['vip']);
