// What the HA pair reads of each LB's network: its interfaces (sysfs, always there) and IPv4 addresses
// (iproute2, which keepalived depends on). Gathered from every LB before any host changes (peerFacts), so a
// node's config names its peers' addresses on the VIP's network, not merely the address SSH reaches.
import { isIP } from 'node:net';
import type { Fact, HostContext, PeerView } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { inSubnet, type Vip } from './ha-options.js';

export interface LbNetwork {
  interfaces: string[];
  /** null when `ip` is missing (a minimal host before keepalived brings iproute2). */
  addresses: { dev: string; address: string; prefix: number }[] | null;
}

export const lbNetwork: Fact<LbNetwork> = {
  name: 'lb-network',
  command: 'for d in /sys/class/net/*; do echo "if ${d##*/}"; done; command -v ip >/dev/null 2>&1 && ip -4 -o addr show || echo noip',
  parse(r) {
    const interfaces: string[] = [];
    const addresses: NonNullable<LbNetwork['addresses']> = [];
    let noIp = false;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('if ')) interfaces.push(line.slice(3).trim());
      else if (line.trim() === 'noip') noIp = true;
      const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+([\d.]+)\/(\d+)/.exec(line);
      if (m) addresses.push({ dev: m[1]!, address: m[2]!, prefix: Number(m[3]) });
    }
    return { interfaces, addresses: noIp ? null : addresses };
  },
};

/** Where a node speaks VRRP: the interface that carries the VIP and its own address there. */
export interface VrrpLink {
  dev: string;
  address: string;
}

/**
 * The link of one LB: on vip_interface when set (which must exist), else the interface holding the LB's
 * inventory address, else the one with an address in the VIP's subnet. The VIP itself (held by the master) is
 * never a node's own address. Throws a StepError saying what is missing.
 */
export function vrrpLink(name: string, inventoryAddress: string, vars: Readonly<Record<string, unknown>>, vip: Vip, net: LbNetwork): VrrpLink {
  const wanted = typeof vars['vip_interface'] === 'string' ? vars['vip_interface'] : undefined;
  const own = (net.addresses ?? []).filter((a) => a.address !== vip.address);
  if (wanted !== undefined) {
    if (!net.interfaces.includes(wanted)) {
      throw new StepError(`vip_interface ${wanted} does not exist on ${name} (it has ${net.interfaces.filter((i) => i !== 'lo').join(', ') || 'no interface'}); keepalived was not touched`);
    }
    const on = own.filter((a) => a.dev === wanted);
    const pick = on.find((a) => inSubnet(a.address, vip)) ?? on[0];
    if (pick) return { dev: wanted, address: pick.address };
    if (net.addresses === null && isIP(inventoryAddress) === 4) return { dev: wanted, address: inventoryAddress };
    throw new StepError(`vip_interface ${wanted} on ${name} has no IPv4 address for VRRP to speak from`);
  }
  const pick = own.find((a) => a.address === inventoryAddress) ?? own.find((a) => inSubnet(a.address, vip));
  if (pick) return { dev: pick.dev, address: pick.address };
  throw new StepError(
    net.addresses === null
      ? `cannot tell which interface of ${name} carries the VIP: \`ip\` (iproute2) is missing; install it or set vip_interface`
      : `no interface of ${name} has ${inventoryAddress} or an address in ${vip.address}/${vip.prefix}; set vip_interface`,
  );
}

/** This LB's own link, read live. */
export async function ownLink(h: HostContext, vip: Vip): Promise<VrrpLink> {
  return vrrpLink(h.name, h.spec.address, h.vars, vip, await h.fact(lbNetwork));
}

/** A peer's address for unicast: from its gathered network, else (not in this run) its inventory address. */
export function peerAddress(peer: PeerView, vip: Vip): string {
  if (peer.inRun) return vrrpLink(peer.name, peer.address, peer.vars, vip, peer.fact(lbNetwork)).address;
  if (isIP(peer.address) === 4) return peer.address;
  throw new StepError(`peer ${peer.name} is not part of this run and its address ${peer.address} is not an IPv4 address: run it too (--limit lb)`);
}
