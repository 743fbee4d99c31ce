// What a lab is, as recorded in its state folder (lab.json). Written before anything is made and updated as
// things are made, so `down` knows the PIDs of a half-built lab too.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir, type Init, type Suite } from './paths.js';

export interface LabHost {
  /** lb1, web1, web2, ... (also the host's hostname and its name in the inventory) */
  name: string;
  group: 'lb' | 'web';
  address: string;
  /** Network namespace on the machine (`ip netns exec NETNS ...`). */
  netns: string;
  /** Machine-side veth; the host sees eth0. */
  veth: string;
  /** The host's root filesystem as mounted on the machine (overlay over the base). */
  root: string;
  /** PID of the host's systemd-nspawn (or sysv: `unshare`) on the machine; its child is the host's PID 1. 0 until started. */
  pid: number;
}

export interface LabFilesInfo {
  /** haforge inventory: root by key. */
  inventory: string;
  /** The same hosts as the sudo user (admin, key login, sudo with the password from sudoPassword). */
  inventoryAdmin: string;
  sshConfig: string;
  knownHosts: string;
  /** Private key (0600) for root and the sudo user. */
  key: string;
  /** The sudo user's password (0600), never printed. */
  sudoPassword: string;
}

export interface LabInfo {
  name: string;
  suite: Suite;
  /** What runs as the hosts' PID 1. */
  init: Init;
  /** A.B.C of the lab's /24. */
  subnet: string;
  /** The bridge address (.1): the machine side, where the apt proxy listens. */
  gateway: string;
  bridge: string;
  stateDir: string;
  baseDir: string;
  proxy: { url: string; pid: number };
  hosts: LabHost[];
  files: LabFilesInfo;
  sudoUser: string;
  blockServices: boolean;
  /** 'building' until every sshd answered. */
  status: 'building' | 'up';
  createdAt: string;
}

export function labJsonPath(name: string): string {
  return path.join(stateDir(name), 'lab.json');
}

export function readLab(name: string): LabInfo | undefined {
  try {
    const lab = JSON.parse(readFileSync(labJsonPath(name), 'utf8')) as Omit<LabInfo, 'init'> & { init?: Init };
    // A lab.json written before systemd hosts existed: its hosts are sysv.
    return { ...lab, init: lab.init ?? 'sysv' };
  } catch {
    return undefined;
  }
}

/** Atomic, so a crash never leaves a torn lab.json for `down` to choke on. */
export function writeLab(info: LabInfo): void {
  const file = labJsonPath(info.name);
  writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}
