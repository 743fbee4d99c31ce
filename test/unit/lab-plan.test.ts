// The lab's host naming and the access files made from it: lb1..lbN, then web1..webM, each LB in groups.lb.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inventoryAdminYaml, inventoryYaml, knownHosts, sshConfig } from '../../runner/lab/inventory.js';
import { hostNames, MAX_LB } from '../../runner/lab/paths.js';
import { planLab } from '../../runner/lab/plan.js';

const plan = (lb: number, web: number) => planLab({ name: 'sdt', suite: 'bookworm', init: 'systemd', lb, web, subnet: '10.99.7' });

describe('lab host names', () => {
  it('one LB by default, then the web nodes', () => {
    expect(hostNames(2)).toEqual(['lb1', 'web1', 'web2']);
  });
  it('lb1..lbN before web1..webM', () => {
    expect(hostNames(3, 2)).toEqual(['lb1', 'lb2', 'web1', 'web2', 'web3']);
    expect(hostNames(1, MAX_LB).slice(-2)).toEqual(['lb9', 'web1']);
  });
});

describe('lab plan', () => {
  it('addresses, groups, namespaces and veths follow the host order', () => {
    const lab = plan(2, 2);
    expect(lab.hosts.map((h) => [h.name, h.group, h.address, h.netns, h.veth])).toEqual([
      ['lb1', 'lb', '10.99.7.10', 'sdt-lb1', 'sdt-0'],
      ['lb2', 'lb', '10.99.7.11', 'sdt-lb2', 'sdt-1'],
      ['web1', 'web', '10.99.7.12', 'sdt-web1', 'sdt-2'],
      ['web2', 'web', '10.99.7.13', 'sdt-web2', 'sdt-3'],
    ]);
    expect(lab.gateway).toBe('10.99.7.1');
  });

  it('every LB is in groups.lb of both inventories, every web node in groups.web', () => {
    const lab = plan(3, 2);
    for (const text of [inventoryYaml(lab), inventoryAdminYaml(lab)]) {
      const inv = parse(text) as { groups: Record<string, { hosts: Record<string, { address: string }> }> };
      expect(Object.keys(inv.groups.lb.hosts)).toEqual(['lb1', 'lb2', 'lb3']);
      expect(Object.keys(inv.groups.web.hosts)).toEqual(['web1', 'web2']);
      expect(inv.groups.lb.hosts.lb3.address).toBe('10.99.7.12');
      expect(inv.groups.web.hosts.web1.address).toBe('10.99.7.13');
    }
  });

  it('ssh_config and known_hosts name every host', () => {
    const lab = plan(2, 1);
    const config = sshConfig(lab);
    for (const h of lab.hosts) expect(config).toContain(`Host ${h.name}\n  HostName ${h.address}\n`);
    const keys = new Map(lab.hosts.map((h) => [h.name, `ssh-ed25519 KEY-${h.name}`]));
    expect(knownHosts(lab, keys).trim().split('\n')).toEqual(lab.hosts.map((h) => `${h.address} ssh-ed25519 KEY-${h.name}`));
  });
});

describe('lab up refuses a bad --lb before touching the machine', () => {
  it.each([0, 10, 1.5])('--lb %s', async (lb) => {
    const { labUp } = await import('../../runner/lab/up.js');
    await expect(labUp({ name: 'sdt', lb })).rejects.toThrow(/--lb must be a whole number from 1 to 9/);
  });
});
