// The lab's network: a bridge on the machine holding the gateway address (.1), and per host a network
// namespace joined to it by a veth pair. Hosts get no default route: only the lab and the apt proxy are reachable.
import { existsSync, writeFileSync } from 'node:fs';
import { bridgeName, netnsName, vethName } from './paths.js';
import { sh, shx } from './proc.js';

export interface HostNet {
  host: string;
  index: number;
}

/** Best effort: a kernel without IPv6 has no such file, and then there is no chatter to stop either. */
function setSysctl(file: string, value: string): void {
  if (existsSync(file)) writeFileSync(file, value);
}

/** Runs many `ip` commands in one process: one spawn instead of dozens keeps `up --web 20` fast. */
async function ipBatch(lines: string[], opts: { force?: boolean } = {}): Promise<void> {
  if (lines.length === 0) return;
  // -force: go on after a failed line (removal of things that may be half gone).
  await shx({ input: lines.join('\n') + '\n' })`ip ${opts.force ? ['-force'] : []} -batch -`;
}

function toInt(a: string): number {
  return a.split('.').reduce((n, part) => n * 256 + Number(part), 0) >>> 0;
}

/** Machine routes (any table) overlapping A.B.C.0/24, other than the given bridge's own. */
export async function subnetConflicts(subnet: string, ownBridge?: string): Promise<string[]> {
  const r = await shx`ip -4 -j route show table all`;
  const routes = JSON.parse(r.stdout || '[]') as { dst?: string; dev?: string; type?: string }[];
  const lo = toInt(`${subnet}.0`);
  const hi = lo + 255;
  const found: string[] = [];
  for (const route of routes) {
    if (!route.dst || route.dst === 'default' || route.dev === ownBridge || route.dev === 'lo') continue;
    const [net, bitsText] = route.dst.split('/');
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const start = toInt(net) & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);
    const end = start + 2 ** (32 - bits) - 1;
    if (start <= hi && end >= lo) found.push(`${route.dst} dev ${route.dev ?? '?'}`);
  }
  return found;
}

export async function createBridge(lab: string, gateway: string): Promise<void> {
  const br = bridgeName(lab);
  await ipBatch([`link add ${br} type bridge`]);
  setSysctl(`/proc/sys/net/ipv6/conf/${br}/disable_ipv6`, '1');
  // Never route packets that come in from the hosts: even a host that adds a default route gets nowhere.
  setSysctl(`/proc/sys/net/ipv4/conf/${br}/forwarding`, '0');
  await ipBatch([`addr add ${gateway}/24 dev ${br}`, `link set ${br} up`]);
}

/** Namespace + veth for each host; the inside end is named eth0 and gets its address from the host's init. */
export async function addHostLinks(lab: string, hosts: HostNet[]): Promise<void> {
  const br = bridgeName(lab);
  await ipBatch(hosts.map((h) => `netns add ${netnsName(lab, h.host)}`));
  await ipBatch(hosts.map((h) => `link add ${vethName(lab, h.index)} type veth peer name eth0 netns ${netnsName(lab, h.host)}`));
  for (const h of hosts) setSysctl(`/proc/sys/net/ipv6/conf/${vethName(lab, h.index)}/disable_ipv6`, '1');
  await ipBatch(hosts.map((h) => `link set ${vethName(lab, h.index)} master ${br} up`));
}

const hostNsRe = (lab: string) => new RegExp(`^${lab}-(lb\\d+|web\\d+)$`);
const linkRe = (lab: string) => new RegExp(`^${lab}-(br|\\d+)$`);

export async function labNetnses(lab: string): Promise<string[]> {
  const r = await sh`ip netns list`;
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => hostNsRe(lab).test(n));
}

export async function labLinks(lab: string): Promise<string[]> {
  const r = await sh`ip -j link show`;
  const links = JSON.parse(r.stdout || '[]') as { ifname: string }[];
  return links.map((l) => l.ifname).filter((n) => linkRe(lab).test(n));
}

/** PIDs still inside any of the lab's namespaces (leftovers the recorded PIDs did not cover). */
export async function netnsPids(ns: string): Promise<number[]> {
  const r = await sh`ip netns pids ${ns}`;
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Deletes the lab's namespaces and links by name. Safe when some or all are already gone; whatever could not
 * be removed shows in the caller's final check (`labTraces`).
 */
export async function removeNetwork(lab: string): Promise<void> {
  const nses = await labNetnses(lab);
  await ipBatch(nses.map((ns) => `netns del ${ns}`), { force: true }).catch(() => {});
  // A veth goes with its namespace; what remains is the bridge and veths whose namespace never got its end.
  const links = await labLinks(lab);
  for (const link of links.filter((l) => !l.endsWith('-br'))) await sh`ip link del ${link}`;
  for (const link of links.filter((l) => l.endsWith('-br'))) await sh`ip link del ${link}`;
}
