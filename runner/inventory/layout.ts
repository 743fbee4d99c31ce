// Group membership and the rules across hosts: which host is in which group, where each is defined, lb and
// web, and endpoints named twice.
import { formatPath } from './errors.js';
import { report, warn, type Context } from './load-context.js';
import type { HostInput, InventoryInput } from './schema.js';
import type { HostSpec } from './types.js';

// Names stay usable in --limit: no spaces, commas or glob characters.
const GROUP_NAME = /^[A-Za-z0-9_-]+$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface Layout {
  /** Host names in order of first appearance. */
  order: string[];
  /** Group name -> host names, in file order. */
  members: Record<string, string[]>;
  /** Host name -> the one entry that carries its settings. */
  defs: Map<string, { input: HostInput; at: string[] }>;
  /** Host name -> its groups, in file order (members inverted, so a big inventory is not read n² times). */
  groupsOf: Map<string, string[]>;
}

/**
 * Group membership and the rules across hosts. A host is defined (with its address) in one group;
 * other groups may list it by name only (`web1:` with no value). At least one lb host (several are warned
 * about: nothing shares an address between them yet), at least one web host, no host in both, every host in one of them.
 */
export function readGroups(data: InventoryInput, ctx: Context): Layout {
  const layout: Layout = { order: [], members: {}, defs: new Map(), groupsOf: new Map() };
  const firstSeen = new Map<string, string>();
  if (!data.groups) {
    report(ctx, 'groups', 'missing; add groups.lb (the load balancer host) and groups.web (the web nodes)');
    return layout;
  }
  const groups = data.groups;
  for (const [group, spec] of Object.entries(groups)) {
    const groupPath = formatPath(['groups', group]);
    if (group === 'all') report(ctx, groupPath, '"all" is reserved (it means every host in --limit); rename the group');
    else if (!GROUP_NAME.test(group)) report(ctx, groupPath, 'invalid group name; use letters, digits, _ and -');
    layout.members[group] = [];
    for (const [name, input] of Object.entries(spec?.hosts ?? {})) {
      const path = formatPath(['groups', group, 'hosts', name]);
      if (!HOST_NAME.test(name)) {
        report(ctx, path, 'invalid host name; use letters, digits, ".", "_" and "-", starting with a letter or digit');
        continue;
      }
      if (name in groups || name === 'all') {
        report(ctx, path, `host "${name}" has the same name as a group; rename one so --limit stays unambiguous`);
      }
      if (!firstSeen.has(name)) firstSeen.set(name, path);
      addMember(layout, group, name, input, ctx);
    }
  }
  for (const name of layout.order) {
    const def = layout.defs.get(name);
    if (!def?.input.address) {
      report(ctx, def ? formatPath(def.at) : firstSeen.get(name)!, 'missing address; add address: <IP address or DNS name>');
    }
  }
  checkRoles(layout, firstSeen, data, ctx);
  return layout;
}

/** A host listed in a group: its membership, and its definition when this entry carries settings. */
function addMember(layout: Layout, group: string, name: string, input: HostInput | null, ctx: Context): void {
  const at = ['groups', group, 'hosts', name];
  layout.members[group]!.push(name);
  const of = layout.groupsOf.get(name);
  if (of) of.push(group);
  else {
    layout.groupsOf.set(name, [group]);
    layout.order.push(name);
  }
  if (!input || Object.keys(input).length === 0) return;
  const previous = layout.defs.get(name);
  if (previous) {
    report(ctx, formatPath(at), `host "${name}" is already defined in ${formatPath(previous.at)}; list it here by name only (${name}: with no value) or rename one`);
  } else layout.defs.set(name, { input, at });
}

/** lb and web: at least one host each, none in both, every host in one of them; several LBs are warned about. */
function checkRoles(layout: Layout, firstSeen: Map<string, string>, data: InventoryInput, ctx: Context): void {
  const lb = layout.members.lb;
  const web = layout.members.web;
  if (!lb) report(ctx, 'groups', 'no lb group; add groups.lb with the load balancer host');
  else if (lb.length === 0) report(ctx, 'groups.lb.hosts', 'no host; add the load balancer host');
  else if (lb.length > 1 && !sharesVip(data, lb)) {
    warn(ctx, 'groups.lb.hosts', `${lb.length} load balancers (${lb.join(', ')}) and no shared address: each serves the site on its own address, so clients must be pointed at one of them`);
  }
  if (!web) report(ctx, 'groups', 'no web group; add groups.web with at least one web node');
  else if (web.length === 0) report(ctx, 'groups.web.hosts', 'no host; add at least one web node');
  for (const name of layout.order) {
    const inLb = layout.groupsOf.get(name)?.includes('lb') ?? false;
    const inWeb = layout.groupsOf.get(name)?.includes('web') ?? false;
    if (inLb && inWeb) {
      report(ctx, formatPath(['groups', 'web', 'hosts', name]), `a host cannot be both the load balancer and a web node; remove "${name}" from groups.lb or groups.web`);
    } else if (!inLb && !inWeb && lb && web) {
      report(ctx, firstSeen.get(name)!, `host "${name}" is in neither lb nor web; add it to one of them`);
    }
  }
}

/**
 * Two inventory names for one SSH endpoint are one machine configured twice at once: almost always a slip, so
 * warned; not refused, and not warned on loopback, where one local sshd standing in for several hosts is a test bed.
 */
export function checkEndpoints(hosts: readonly HostSpec[], layout: Layout, ctx: Context): void {
  const seen = new Map<string, string>();
  for (const h of hosts) {
    if (/^(127\.|::1$|localhost$)/i.test(h.address)) continue;
    const key = `${h.address.toLowerCase()}:${h.port}`;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, h.name);
      continue;
    }
    const at = layout.defs.get(h.name)?.at ?? ['groups'];
    warn(ctx, formatPath(at), `same address and port as host "${first}" (${h.address}, port ${h.port}): if they are one machine, it is configured twice at once; keep one name`);
  }
}

/** Whether the LBs share a virtual IP (the vip var at any level): then clients are pointed at it. */
function sharesVip(data: InventoryInput, lb: string[]): boolean {
  const g = data.groups ?? {};
  const hostVip = (n: string) => Object.values(g).some((grp) => grp?.hosts?.[n]?.vars?.['vip'] !== undefined);
  return data.vars?.['vip'] !== undefined || g['lb']?.vars?.['vip'] !== undefined || lb.every(hostVip);
}
