// Rolling order, with Ansible's meaning of `serial` and `max_fail_percentage`: a group's hosts change in
// batches of `serial` (a count or a share of the group), in run order; after each batch, a group part with more
// than max_fail_percentage of its hosts failed stops the rollout (unset: only a batch where every host failed
// does). Pure: no hosts, no I/O.
import type { HostSpec, Rollout, Serial } from '../inventory/types.js';

export interface Batch {
  hosts: HostSpec[];
  /** Rollout group of each host in the batch (the group whose serial cut it; '' for hosts with none). */
  groupOf: Map<string, string>;
}

/** The rule that cuts a host's group: the first of its groups (inventory order) that sets one; `all` overrides. */
function ruleOf(host: HostSpec, rules: Record<string, Rollout>, all?: Rollout): { group: string; rule?: Rollout } {
  if (all?.serial !== undefined || all?.maxFailPercentage !== undefined) {
    const group = host.groups.find((g) => rules[g]) ?? host.groups[0] ?? '';
    const given = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Rollout;
    return { group, rule: { ...rules[group], ...given } };
  }
  const group = host.groups.find((g) => rules[g]);
  return group === undefined ? { group: '' } : { group, rule: rules[group] };
}

/** Hosts by a key, each list in the order given. */
function groupBy(hosts: readonly HostSpec[], key: (h: HostSpec) => string): Map<string, HostSpec[]> {
  const out = new Map<string, HostSpec[]>();
  for (const h of hosts) {
    const k = key(h);
    const list = out.get(k);
    if (list) list.push(h);
    else out.set(k, [h]);
  }
  return out;
}

export function batchSize(serial: Serial | undefined, groupSize: number): number {
  if (serial === undefined) return groupSize;
  if (typeof serial === 'number') return serial;
  // A share rounds down, as Ansible's does, but a batch always holds at least one host.
  return Math.max(1, Math.floor((groupSize * Number(serial.slice(0, -1))) / 100));
}

/** Batch k holds the k-th slice of every group; hosts whose group sets no serial all go in the first batch. */
export function batchesOf(hosts: readonly HostSpec[], rules: Record<string, Rollout> = {}, all?: Rollout): Batch[] {
  const ruleFor = new Map<string, Rollout | undefined>();
  const byGroup = groupBy(hosts, (h) => {
    const { group, rule } = ruleOf(h, rules, all);
    ruleFor.set(group, rule);
    return group;
  });
  const slot = new Map<string, { batch: number; group: string }>();
  let count = 0;
  for (const [group, members] of byGroup) {
    const size = batchSize(ruleFor.get(group)?.serial, members.length);
    members.forEach((h, i) => slot.set(h.name, { batch: Math.floor(i / size), group }));
    count = Math.max(count, Math.ceil(members.length / size));
  }
  return Array.from({ length: count }, (_, k) => {
    const batch = hosts.filter((h) => slot.get(h.name)!.batch === k);
    return { hosts: batch, groupOf: new Map(batch.map((h) => [h.name, slot.get(h.name)!.group])) };
  });
}

/** Why the rollout stops after this batch, or undefined to go on. `failed` names the batch's failed hosts. */
export function stopReason(batch: Batch, failed: ReadonlySet<string>, rules: Record<string, Rollout> = {}, all?: Rollout): string | undefined {
  const parts = groupBy(batch.hosts, (h) => batch.groupOf.get(h.name) ?? '');
  for (const [group, members] of parts) {
    const limit = all?.maxFailPercentage ?? rules[group]?.maxFailPercentage;
    const bad = members.filter((h) => failed.has(h.name)).length;
    if (limit !== undefined && (bad * 100) / members.length > limit) {
      return `${bad} of ${members.length} ${group || 'other'} host${members.length > 1 ? 's' : ''} in the batch failed, over max_fail_percentage ${limit}`;
    }
  }
  if (batch.hosts.length > 0 && batch.hosts.every((h) => failed.has(h.name))) return 'every host of the batch failed';
  return undefined;
}
