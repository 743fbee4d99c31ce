// What a lab will be, before anything is made: host names, groups, addresses, names of kernel objects and the
// files up writes. Pure (no machine access), so the naming and the inventory it feeds are unit-tested.
import path from 'node:path';
import { baseDir, bridgeName, FIRST_HOST, hostNames, netnsName, stateDir, SUDO_USER, vethName, type Init, type Suite } from './paths.js';
import { proxyUrl } from './proxy.js';
import type { LabInfo } from './state.js';

export interface PlanInput {
  name: string;
  suite: Suite;
  init: Init;
  lb: number;
  web: number;
  subnet: string;
  blockServices?: boolean;
}

export function planLab(p: PlanInput): LabInfo {
  const state = stateDir(p.name);
  const gateway = `${p.subnet}.1`;
  return {
    name: p.name,
    suite: p.suite,
    init: p.init,
    subnet: p.subnet,
    gateway,
    bridge: bridgeName(p.name),
    stateDir: state,
    baseDir: baseDir(p.suite),
    proxy: { url: proxyUrl(gateway), pid: 0 },
    hosts: hostNames(p.web, p.lb).map((h, i) => ({
      name: h,
      group: h.startsWith('lb') ? 'lb' : 'web',
      address: `${p.subnet}.${FIRST_HOST + i}`,
      netns: netnsName(p.name, h),
      veth: vethName(p.name, i),
      root: path.join(state, 'hosts', h, 'root'),
      pid: 0,
    })),
    files: {
      inventory: path.join(state, 'inventory.yaml'),
      inventoryAdmin: path.join(state, 'inventory-admin.yaml'),
      sshConfig: path.join(state, 'ssh_config'),
      knownHosts: path.join(state, 'known_hosts'),
      key: path.join(state, 'id_ed25519'),
      sudoPassword: path.join(state, 'sudo-password'),
    },
    sudoUser: SUDO_USER,
    blockServices: !!p.blockServices,
    status: 'building',
    createdAt: new Date().toISOString(),
  };
}
