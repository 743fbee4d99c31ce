// `ssh.jump` (at any level; the most specific wins): the hosts a host is reached through, as `ssh -J` takes them,
// `[user@]host[:port]` hops separated by commas, or a list of them. A hop that names an inventory host is that
// host (its address, port, login, and its own jump hosts first); any other hop is an address with the target's
// login. `none` turns off a jump set at a wider level.
import { parseJumps } from '../transport/ssh-config/jump.js';
import type { HostSpec, JumpHopSpec } from './types.js';

export const MAX_JUMP_HOPS = 8;

export interface JumpSetting {
  value: string | string[];
  /** Where it was set, for messages: `groups.web.ssh.jump`. */
  path: string;
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;

/** A hop name ssh_config knows (its HostName, Port, User), for a hop that is not an inventory host. */
export type HopLookup = (name: string) => { address: string; port?: number; user?: string } | { error: string } | undefined;

/** Fills each host's `jump` from its setting; problems go to `report` (exit 2, nothing connected). */
export function resolveJumps(
  hosts: HostSpec[],
  settings: ReadonlyMap<string, JumpSetting>,
  report: (path: string, message: string) => void,
  lookup: HopLookup = () => undefined,
): void {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const done = new Map<string, JumpHopSpec[]>();
  // Hosts whose chain was already reported (a loop is said once, not once per host on it).
  const failed = new Set<string>();

  const chainOf = (host: HostSpec, via: readonly string[]): JumpHopSpec[] | undefined => {
    const known = done.get(host.name);
    if (known) return known;
    if (failed.has(host.name)) return undefined;
    const set = settings.get(host.name);
    const text = set && (Array.isArray(set.value) ? set.value.join(',') : set.value);
    if (!set || !text || text.toLowerCase() === 'none') return [];
    const hops = parseJumps(text);
    if ('error' in hops) return void report(set.path, `${hops.error} (a jump host: [user@]host[:port], several separated by commas)`);
    const chain: JumpHopSpec[] = [];
    let viaConfig: ReturnType<HopLookup>;
    for (const hop of hops) {
      const inv = hop.user === undefined && hop.port === undefined ? byName.get(hop.host) : undefined;
      if (inv) {
        if (inv.name === host.name || via.includes(inv.name)) {
          for (const n of [...via, host.name]) failed.add(n);
          return void report(set.path, `jump loop: ${[...via, host.name, inv.name].join(' via ')}`);
        }
        const before = chainOf(inv, [...via, host.name]);
        if (!before) {
          failed.add(host.name);
          return undefined;
        }
        chain.push(...before, { address: inv.address, port: inv.port, user: inv.user, host: inv.name });
      } else if ((viaConfig = hop.port === undefined ? lookup(hop.host) : undefined)) {
        if ('error' in viaConfig) return void report(set.path, viaConfig.error);
        chain.push({ address: viaConfig.address, port: viaConfig.port ?? 22, user: hop.user ?? viaConfig.user ?? host.user });
      } else if (!hop.host.includes('.') && !IP.test(hop.host)) {
        return void report(set.path, `unknown jump host "${hop.host}": not a host of this inventory nor an address (give user@address[:port])`);
      } else {
        chain.push({ address: hop.host, port: hop.port ?? 22, user: hop.user ?? host.user });
      }
    }
    if (chain.length > MAX_JUMP_HOPS) return void report(set.path, `${chain.length} jump hops: at most ${MAX_JUMP_HOPS}`);
    done.set(host.name, chain);
    return chain;
  };

  for (const h of hosts) {
    const chain = chainOf(h, []);
    if (chain?.length) h.jump = chain;
  }
}
