// `source: cloudstack`: the VMs the API lists become the inventory's hosts. One paged listVirtualMachines (filtered
// by zone, project and the haforge:cluster tag on the server), then each group's rule (tags, name globs) on this
// side, so a VM is read once however many groups there are. The result is inventory data of the usual shape, so the
// usual checks (lb and web, names, addresses) run on it; facts are the VM's details in the names Ansible's
// ngine_io.cloudstack.instance plugin uses, for `haforge inventory --json`.
import { globMatch } from '../../inventory/glob.js';
import type { CloudStackInput } from '../../inventory/cloudstack-schema.js';
import type { InventoryInput } from '../../inventory/schema.js';
import { CloudStackError } from './errors.js';

type Json = Record<string, unknown>;
export type ListApi = { list<T = Json>(command: string, key: string, params?: Readonly<Record<string, string>>): Promise<T[]> };

interface Nic { networkname?: string; ipaddress?: string; isdefault?: boolean }
interface Vm {
  id: string;
  name: string;
  state?: string;
  zonename?: string;
  publicip?: string;
  nic?: Nic[];
  tags?: { key: string; value: string }[];
  [k: string]: unknown;
}

export interface ResolvedHosts {
  data: InventoryInput;
  /** host -> its CloudStack facts (v4_default_ip, zone, tags, ...). */
  facts: Record<string, Json>;
  warnings: string[];
}

export const CLUSTER_TAG = 'haforge:cluster';
export const ROLE_TAG = 'haforge:role';
const DEFAULT_RULES: NonNullable<CloudStackInput['groups']> = { lb: { tags: { [ROLE_TAG]: 'lb' } }, web: { tags: { [ROLE_TAG]: 'web' } } };

/** A name's id, or a 431-like error listing the names that exist (what CloudStack itself does not say). */
export async function idByName(api: ListApi, command: string, key: string, what: string, name: string, params: Record<string, string> = {}): Promise<string> {
  const all = await api.list<{ id: string; name: string }>(command, key, params);
  const hit = all.find((x) => x.name === name);
  if (hit) return hit.id;
  const names = all.map((x) => x.name);
  throw new CloudStackError('api', `unknown ${what} "${name}"; ${names.length ? `${what}s: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}` : `there is no ${what}`}`, 431);
}

export async function vmFilter(api: ListApi, cfg: CloudStackInput): Promise<Record<string, string>> {
  const p: Record<string, string> = { listall: 'true' };
  if (cfg.zone) p.zoneid = await idByName(api, 'listZones', 'zone', 'zone', cfg.zone);
  if (cfg.project) p.projectid = await idByName(api, 'listProjects', 'project', 'project', cfg.project, { listall: 'true' });
  if (cfg.cluster) Object.assign(p, { 'tags[0].key': CLUSTER_TAG, 'tags[0].value': cfg.cluster });
  return p;
}

function matches(vm: Vm, rule: { tags?: Record<string, string>; names?: string[] }): boolean {
  const tags = Object.entries(rule.tags ?? {});
  const hasTags = tags.every(([k, v]) => vm.tags?.some((t) => t.key === k && t.value === v));
  return hasTags && (!rule.names || rule.names.some((g) => globMatch(g, vm.name)));
}

function addressOf(vm: Vm, cfg: CloudStackInput): string {
  if (cfg.address === 'public') {
    if (!vm.publicip) throw new CloudStackError('api', `VM ${vm.name} has no public IP (static NAT); use cloudstack.address: private, or reach it through a jump host`);
    return vm.publicip;
  }
  const nics = vm.nic ?? [];
  const nic = cfg.network ? nics.find((n) => n.networkname === cfg.network) : (nics.find((n) => n.isdefault) ?? nics[0]);
  if (!nic?.ipaddress) {
    const on = nics.map((n) => n.networkname).filter(Boolean);
    throw new CloudStackError('api', cfg.network ? `VM ${vm.name} has no NIC on network "${cfg.network}" (its networks: ${on.join(', ') || 'none'})` : `VM ${vm.name} has no NIC with an IPv4 address`);
  }
  return nic.ipaddress;
}

function factsOf(vm: Vm, address: string): Json {
  const nic0 = vm.nic?.[0];
  const f: Json = {
    cloudstack_id: vm.id,
    v4_default_ip: nic0?.ipaddress, // as Ansible's plugin: nic[0], not the isdefault NIC
    v4_public_ip: vm.publicip,
    zone: vm.zonename,
    project: vm.project,
    account: vm.account,
    domain: vm.domain,
    template: vm.templatename,
    service_offering: vm.serviceofferingname,
    state: vm.state,
    networks: (vm.nic ?? []).map((n) => n.networkname),
    tags: Object.fromEntries((vm.tags ?? []).map((t) => [t.key, t.value])),
    ansible_host: address,
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
}

export async function resolveCloudStackHosts(data: InventoryInput, api: ListApi): Promise<ResolvedHosts> {
  const cfg = data.cloudstack ?? {};
  const vms = await api.list<Vm>('listVirtualMachines', 'virtualmachine', await vmFilter(api, cfg));
  const rules = cfg.groups ?? DEFAULT_RULES;
  const groups: NonNullable<InventoryInput['groups']> = { ...data.groups };
  const facts: Record<string, Json> = {};
  const warnings: string[] = [];
  const found: Record<string, Record<string, { address: string }>> = {};
  for (const vm of vms) {
    const into = Object.keys(rules).filter((g) => matches(vm, rules[g]!));
    if (!into.length) continue;
    if (vm.state !== 'Running') {
      warnings.push(`cloudstack: VM ${vm.name} (${into.join(', ')}) is ${vm.state ?? 'in no state'}, not Running: left out`);
      continue;
    }
    const address = addressOf(vm, cfg);
    facts[vm.name] = factsOf(vm, address);
    for (const g of into) (found[g] ??= {})[vm.name] = { address };
  }
  for (const g of Object.keys(rules)) {
    const file = groups[g] ?? {};
    const fromCloud = found[g] ?? {};
    if (!Object.keys(fromCloud).length && !Object.keys(file.hosts ?? {}).length) {
      warnings.push(`cloudstack: no Running VM matches the rule of group ${g} (${describeRule(rules[g]!)})`);
    }
    // The file's entry for a VM of the same name wins (a port, a user), and keeps the cloud's address unless it gives one.
    const hosts: Record<string, NonNullable<NonNullable<typeof file.hosts>[string]>> = { ...fromCloud };
    for (const [n, h] of Object.entries(file.hosts ?? {})) hosts[n] = { ...fromCloud[n], ...h };
    groups[g] = { ...file, hosts };
  }
  return { data: { ...data, groups }, facts, warnings };
}

function describeRule(r: { tags?: Record<string, string>; names?: string[] }): string {
  const t = Object.entries(r.tags ?? {}).map(([k, v]) => `${k}=${v}`);
  return [...t.map((x) => `tag ${x}`), ...(r.names ? [`name ${r.names.join('|')}`] : [])].join(', ') || 'every VM';
}
