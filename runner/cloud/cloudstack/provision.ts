// `haforge cloud up` / `cloud down`: what an inventory's cloudstack.provision block asks for, made from nothing.
// Each piece is looked up first (by its haforge:cluster tag, else by the name haforge gives it) and made only when
// missing, so a second `up` creates nothing and an `up` cut off halfway carries on. Tags are put on right after each
// create, so `down`, which destroys exactly what carries haforge:cluster=NAME, finds it. Names of zone, template,
// offering and network are resolved before anything is created: an unknown one lists those that exist.
import type { CloudStackInput } from '../../inventory/cloudstack-schema.js';
import type { CloudStackClient } from './client.js';
import { CloudStackError } from './errors.js';
import { CLUSTER_TAG, ROLE_TAG, idByName } from './inventory.js';

type Json = Record<string, unknown>;
type Api = Pick<CloudStackClient, 'call' | 'list' | 'job'>;

export interface ProvisionReport {
  created: string[];
  existing: string[];
}

const tagParams = (ids: string[], type: string, tags: Record<string, string>): Record<string, string> => {
  const p: Record<string, string> = { resourceids: ids.join(','), resourcetype: type };
  Object.entries(tags).forEach(([k, v], i) => Object.assign(p, { [`tags[${i}].key`]: k, [`tags[${i}].value`]: v }));
  return p;
};

const clusterFilter = (cluster: string) => ({ 'tags[0].key': CLUSTER_TAG, 'tags[0].value': cluster });

export function requireProvision(cfg: CloudStackInput): { cluster: string; zone: string; p: NonNullable<CloudStackInput['provision']> } {
  if (!cfg.provision) throw new CloudStackError('config', 'cloudstack.provision is missing: give template and offering (and network, keypair, public_key, lbs, webs, ssh_from)');
  if (!cfg.cluster) throw new CloudStackError('config', 'cloudstack.cluster is missing: it names (and tags) everything haforge makes');
  if (!cfg.zone) throw new CloudStackError('config', 'cloudstack.zone is missing: the zone to create the VMs in');
  return { cluster: cfg.cluster, zone: cfg.zone, p: cfg.provision };
}

export async function cloudUp(api: Api, cfg: CloudStackInput, publicKey: string | undefined, progress: (line: string) => void): Promise<ProvisionReport> {
  const { cluster, zone, p } = requireProvision(cfg);
  const out: ProvisionReport = { created: [], existing: [] };
  const note = (made: boolean, what: string) => {
    (made ? out.created : out.existing).push(what);
    progress(`${made ? 'created' : 'exists '} ${what}`);
  };
  // Every name first: nothing is created when one is wrong.
  const zones = await api.list<Json>('listZones', 'zone', { name: zone });
  const zoneObj = zones.find((z) => z.name === zone);
  const zoneid = zoneObj ? String(zoneObj.id) : await idByName(api, 'listZones', 'zone', 'zone', zone);
  const templateid = await idByName(api, 'listTemplates', 'template', 'template', p.template, { templatefilter: 'executable', zoneid });
  const offeringid = await idByName(api, 'listServiceOfferings', 'serviceoffering', 'service offering', p.offering);
  const networkid = p.network ? await idByName(api, 'listNetworks', 'network', 'network', p.network, { zoneid }) : undefined;
  const sgZone = zoneObj?.networktype === 'Basic' || zoneObj?.securitygroupsenabled === true;
  if (!sgZone) throw new CloudStackError('api', `zone ${zone} has no security groups (an advanced zone without them): firewall and port forwarding rules are not made by haforge yet`, 431);

  const keypair = p.keypair ?? `haforge-${cluster}`;
  const keys = await api.list<Json>('listSSHKeyPairs', 'sshkeypair', { name: keypair });
  if (keys.length) note(false, `key pair ${keypair}`);
  else {
    if (!publicKey) throw new CloudStackError('config', `no key pair "${keypair}" in CloudStack: set cloudstack.provision.public_key to register one`);
    await api.call('registerSSHKeyPair', { name: keypair, publickey: publicKey });
    note(true, `key pair ${keypair}`);
  }

  const sgName = `haforge-${cluster}`;
  let sg = (await api.list<Json>('listSecurityGroups', 'securitygroup', { securitygroupname: sgName }))[0];
  if (sg) note(false, `security group ${sgName}`);
  else {
    sg = (await api.call('createSecurityGroup', { name: sgName, description: `haforge cluster ${cluster}` })).securitygroup as Json;
    await api.job('createTags', tagParams([String(sg.id)], 'SecurityGroup', { [CLUSTER_TAG]: cluster }));
    note(true, `security group ${sgName}`);
  }
  await ingress(api, sg, sgName, p.ssh_from ?? '0.0.0.0/0', note);

  const existing = await api.list<Json>('listVirtualMachines', 'virtualmachine', { listall: 'true', zoneid });
  const names = [...range(p.lbs ?? 2).map((i) => [`${cluster}-lb${i}`, 'lb']), ...range(p.webs ?? 2).map((i) => [`${cluster}-web${i}`, 'web'])] as [string, string][];
  for (const [vmName, role] of names) {
    let vm = existing.find((v) => v.name === vmName);
    if (!vm) {
      const r = await api.job('deployVirtualMachine', {
        name: vmName, displayname: vmName, zoneid, templateid, serviceofferingid: offeringid, keypair, securitygroupids: String(sg.id),
        ...(networkid ? { networkids: networkid } : {}),
      }, { progress });
      vm = r.virtualmachine as Json;
    }
    const tags = (vm.tags as { key: string; value: string }[] | undefined) ?? [];
    const missing = Object.fromEntries(Object.entries({ [CLUSTER_TAG]: cluster, [ROLE_TAG]: role }).filter(([k, v]) => !tags.some((t) => t.key === k && t.value === v)));
    // A VM of that name made by an earlier, cut-off run is adopted: tagged now, not made twice.
    if (Object.keys(missing).length) await api.job('createTags', tagParams([String(vm.id)], 'UserVm', missing));
    note(!existing.includes(vm), `VM ${vmName} (${role})`);
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** 22 from the operator's network, 80 and 443 from anywhere, IP protocol 112 (VRRP) between members of the group. */
async function ingress(api: Api, sg: Json, sgName: string, sshFrom: string, note: (made: boolean, what: string) => void): Promise<void> {
  const rules = (sg.ingressrule as Json[] | undefined) ?? [];
  const want: [string, Record<string, string>][] = [
    [`tcp 22 from ${sshFrom}`, { protocol: 'tcp', startport: '22', endport: '22', cidrlist: sshFrom }],
    ['tcp 80 from 0.0.0.0/0', { protocol: 'tcp', startport: '80', endport: '80', cidrlist: '0.0.0.0/0' }],
    ['tcp 443 from 0.0.0.0/0', { protocol: 'tcp', startport: '443', endport: '443', cidrlist: '0.0.0.0/0' }],
    [`protocol 112 from ${sgName}`, { protocol: '112', 'usersecuritygrouplist[0].account': String(sg.account ?? ''), 'usersecuritygrouplist[0].group': sgName }],
  ];
  for (const [what, r] of want) {
    const has = rules.some((x) =>
      String(x.protocol) === r.protocol && (r.startport === undefined || String(x.startport) === r.startport) && (r.cidrlist ? x.cidr === r.cidrlist : x.securitygroupname === sgName));
    if (!has) await api.job('authorizeSecurityGroupIngress', { securitygroupid: String(sg.id), ...r });
    note(!has, `rule ${what}`);
  }
}

export interface DownPlan {
  vms: Json[];
  groups: Json[];
}

/** Exactly what carries haforge:cluster=NAME. */
export async function cloudDownPlan(api: Api, cfg: CloudStackInput): Promise<DownPlan> {
  const { cluster } = requireProvision(cfg);
  const vms = await api.list<Json>('listVirtualMachines', 'virtualmachine', { listall: 'true', ...clusterFilter(cluster) });
  const groups = await api.list<Json>('listSecurityGroups', 'securitygroup', { listall: 'true', ...clusterFilter(cluster) });
  return { vms, groups };
}

export async function cloudDown(api: Api, plan: DownPlan, progress: (line: string) => void): Promise<string[]> {
  const gone: string[] = [];
  // VMs first: a security group in use cannot be deleted (536).
  await Promise.all(plan.vms.map(async (vm) => {
    await api.job('destroyVirtualMachine', { id: String(vm.id), expunge: 'true' }, { progress });
    gone.push(`VM ${String(vm.name)}`);
    progress(`destroyed VM ${String(vm.name)}`);
  }));
  for (const sg of plan.groups) {
    await api.call('deleteSecurityGroup', { id: String(sg.id) });
    gone.push(`security group ${String(sg.name)}`);
    progress(`deleted security group ${String(sg.name)}`);
  }
  return gone;
}
