// The fake's provisioning commands, in CloudStack's shapes: names looked up by the caller (never here), duplicate
// names refused with 431, async jobs for deploy / tags / ingress / destroy, a security group in use not deletable
// (536). Not modelled: templates per zone, capacity, userdata, VPCs, firewall and port forwarding, static NAT.
import { randomUUID } from 'node:crypto';
import type { FakeCloudStack, FakeVm, JobOutcome } from './server.js';
import { ApiError } from './server.js';

type Json = Record<string, unknown>;
type Command = (p: Map<string, string>, cs: FakeCloudStack) => Json | { job: JobOutcome };

const need = (p: Map<string, string>, k: string): string => {
  const v = p.get(k);
  if (!v) throw new ApiError(431, 4350, `Unable to execute API command due to missing parameter ${k}`);
  return v;
};

function tagsOf(p: Map<string, string>): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; p.has(`tags[${i}].key`); i++) out.push({ key: p.get(`tags[${i}].key`)!, value: p.get(`tags[${i}].value`) ?? '' });
  return out;
}

export const provisioningCommands: Record<string, Command> = {
  listTemplates: (p, cs) => {
    need(p, 'templatefilter');
    return cs.page(p, cs.templates.filter((t) => !p.has('name') || t.name === p.get('name')), 'template');
  },
  listServiceOfferings: (p, cs) => cs.page(p, cs.offerings.filter((t) => !p.has('name') || t.name === p.get('name')), 'serviceoffering'),
  listNetworks: (p, cs) => cs.page(p, cs.networks.filter((t) => !p.has('zoneid') || t.zoneid === p.get('zoneid')), 'network'),
  listSSHKeyPairs: (p, cs) => cs.page(p, cs.keypairs.filter((k) => !p.has('name') || k.name === p.get('name')), 'sshkeypair'),
  registerSSHKeyPair: (p, cs) => {
    const name = need(p, 'name');
    need(p, 'publickey');
    if (cs.keypairs.some((k) => k.name === name)) throw new ApiError(431, 4350, `A key pair with name '${name}' already exists.`);
    const kp = { name, fingerprint: 'aa:bb', account: 'admin', domain: 'ROOT' };
    cs.keypairs.push(kp);
    return { keypair: kp };
  },
  listSecurityGroups: (p, cs) => {
    const tags = tagsOf(p);
    const sgs = cs.securityGroups.filter(
      (g) => (!p.has('securitygroupname') || g.name === p.get('securitygroupname')) && tags.every((t) => g.tags.some((x) => x.key === t.key && x.value === t.value)),
    );
    return cs.page(p, sgs, 'securitygroup');
  },
  createSecurityGroup: (p, cs) => {
    const name = need(p, 'name');
    if (cs.securityGroups.some((g) => g.name === name)) throw new ApiError(431, 4350, `Unable to create security group, a group with name ${name} already exists.`);
    const sg = { id: randomUUID(), name, description: p.get('description') ?? '', account: 'admin', domain: 'ROOT', ingressrule: [] as Json[], tags: [] as Json[] & { key: string; value: string }[] };
    cs.securityGroups.push(sg);
    return { securitygroup: sg };
  },
  authorizeSecurityGroupIngress: (p, cs) => {
    const sg = cs.securityGroups.find((g) => g.id === need(p, 'securitygroupid'));
    if (!sg) throw new ApiError(431, 4350, `Unable to find security group by id ${p.get('securitygroupid')}`);
    const protocol = need(p, 'protocol');
    const peer = p.get('usersecuritygrouplist[0].group');
    const rule: Json = { ruleid: randomUUID(), protocol, ...(/^(tcp|udp)$/.test(protocol) ? { startport: Number(p.get('startport')), endport: Number(p.get('endport')) } : {}), ...(peer ? { securitygroupname: peer, account: p.get('usersecuritygrouplist[0].account') } : { cidr: p.get('cidrlist') }) };
    sg.ingressrule.push(rule);
    return { job: { key: 'securitygroup', value: sg } };
  },
  createTags: (p, cs) => {
    const type = need(p, 'resourcetype');
    const ids = need(p, 'resourceids').split(',');
    const pool: { id: string; tags: { key: string; value: string }[] }[] = type === 'UserVm' ? cs.vms : type === 'SecurityGroup' ? cs.securityGroups : [];
    for (const id of ids) {
      const r = pool.find((x) => x.id === id);
      if (!r) throw new ApiError(431, 4350, `Unable to find resource by id ${id} and type ${type}`);
      for (const t of tagsOf(p)) r.tags.push({ ...t, resourcetype: type, resourceid: id } as { key: string; value: string });
    }
    return { job: { key: 'success', value: {} } };
  },
  deployVirtualMachine: (p, cs) => {
    const zone = cs.zones.find((z) => z.id === need(p, 'zoneid'));
    if (!zone) throw new ApiError(431, 4350, `Unable to find zone by id ${p.get('zoneid')}`);
    const template = cs.templates.find((t) => t.id === need(p, 'templateid'));
    if (!template) throw new ApiError(431, 4350, `Unable to use template ${p.get('templateid')}`);
    const offering = cs.offerings.find((t) => t.id === need(p, 'serviceofferingid'));
    if (!offering) throw new ApiError(431, 4350, `Unable to find service offering: ${p.get('serviceofferingid')}`);
    const kp = p.get('keypair');
    if (kp && !cs.keypairs.some((k) => k.name === kp)) throw new ApiError(431, 4350, `A key pair with name '${kp}' was not found.`);
    const sgs = (p.get('securitygroupids') ?? '').split(',').filter(Boolean).map((id) => {
      const g = cs.securityGroups.find((x) => x.id === id);
      if (!g) throw new ApiError(431, 4350, `Unable to find security group by id ${id}`);
      return { id: g.id, name: g.name };
    });
    if (cs.failDeployAfter !== undefined && cs.failDeployAfter-- <= 0) return { job: { code: 533, text: 'Unable to create a deployment for VM instance' } };
    const ip = `10.50.0.${10 + cs.vms.length}`;
    const vm: FakeVm = cs.addVm(p.get('name') ?? `VM-${randomUUID()}`, ip, {}, {
      zoneid: String(zone.id), zonename: String(zone.name), templateid: String(template.id), templatename: String(template.name),
      serviceofferingid: String(offering.id), serviceofferingname: String(offering.name), keypair: kp, securitygroup: sgs,
    });
    return { job: { key: 'virtualmachine', value: vm } };
  },
  destroyVirtualMachine: (p, cs) => {
    const i = cs.vms.findIndex((v) => v.id === need(p, 'id'));
    if (i < 0) throw new ApiError(431, 4350, `Unable to find a virtual machine with specified vmId ${p.get('id')}`);
    const [vm] = p.get('expunge') === 'true' ? cs.vms.splice(i, 1) : [Object.assign(cs.vms[i]!, { state: 'Destroyed' })];
    return { job: { key: 'virtualmachine', value: { ...vm!, state: 'Destroyed' } } };
  },
  deleteSecurityGroup: (p, cs) => {
    const id = need(p, 'id');
    const i = cs.securityGroups.findIndex((g) => g.id === id);
    if (i < 0) throw new ApiError(431, 4350, `Unable to find network group: ${id}`);
    if (cs.vms.some((v) => (v.securitygroup as { id: string }[] | undefined)?.some((g) => g.id === id))) throw new ApiError(536, 4350, 'Cannot delete group when it\'s in use by virtual machines');
    cs.securityGroups.splice(i, 1);
    return { success: true };
  },
};
