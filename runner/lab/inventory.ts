// Files that let people and haforge reach the lab's hosts: inventories in haforge's format, known_hosts and
// an ssh config (`ssh -F STATE/ssh_config web1` works by hand).
import { writeFileSync } from 'node:fs';
import type { LabHost, LabInfo } from './state.js';

/** The lab's VIP when it has two or more LBs (an HA pair, issue 16): .250 of its /24, above every host's address. */
export function labVip(lab: Pick<LabInfo, 'subnet' | 'hosts'>): string | undefined {
  return lab.hosts.filter((h) => h.group === 'lb').length >= 2 ? `${lab.subnet}.250` : undefined;
}

function groupsYaml(hosts: LabHost[], vip: string | undefined): string {
  const group = (g: 'lb' | 'web') =>
    `  ${g}:\n${g === 'lb' && vip ? `    vars:\n      vip: ${vip}/24\n` : ''}    hosts:\n` +
    hosts
      .filter((h) => h.group === g)
      .map((h) => `      ${h.name}:\n        address: ${h.address}\n`)
      .join('');
  return `groups:\n${group('lb')}${group('web')}`;
}

function header(lab: LabInfo): string {
  return `# haforge lab "${lab.name}" (Debian ${lab.suite}, ${lab.subnet}.0/24), written by \`haforge lab up\`;\n# removed by \`haforge lab down --name ${lab.name}\`.\n`;
}

export function inventoryYaml(lab: LabInfo): string {
  return (
    header(lab) +
    `ssh:\n  user: root\n  key: ${lab.files.key}\n  known_hosts: ${lab.files.knownHosts}\n` +
    groupsYaml(lab.hosts, labVip(lab))
  );
}

/** The same hosts through the non-root user: exercises sudo with a password. */
export function inventoryAdminYaml(lab: LabInfo): string {
  return (
    header(lab) +
    `# sudo password: export HAFORGE_SUDO_PASSWORD="$(cat ${lab.files.sudoPassword})"\n` +
    `ssh:\n  user: ${lab.sudoUser}\n  key: ${lab.files.key}\n  sudo: true\n  sudo_password_env: HAFORGE_SUDO_PASSWORD\n  known_hosts: ${lab.files.knownHosts}\n` +
    groupsYaml(lab.hosts, labVip(lab))
  );
}

export function sshConfig(lab: LabInfo): string {
  const hosts = lab.hosts.map((h) => `Host ${h.name}\n  HostName ${h.address}\n`).join('');
  return (
    header(lab) +
    `# ssh -F ${lab.files.sshConfig} web1\n` +
    hosts +
    `Host *\n  User root\n  IdentityFile ${lab.files.key}\n  IdentitiesOnly yes\n` +
    `  UserKnownHostsFile ${lab.files.knownHosts}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n` +
    `  ConnectTimeout 5\n  LogLevel ERROR\n`
  );
}

/** hostKeys: host name -> "ssh-ed25519 AAAA..." */
export function knownHosts(lab: LabInfo, hostKeys: Map<string, string>): string {
  return lab.hosts.map((h) => `${h.address} ${hostKeys.get(h.name)}\n`).join('');
}

export function writeAccessFiles(lab: LabInfo, hostKeys: Map<string, string>): void {
  writeFileSync(lab.files.knownHosts, knownHosts(lab, hostKeys), { mode: 0o644 });
  writeFileSync(lab.files.sshConfig, sshConfig(lab), { mode: 0o644 });
  writeFileSync(lab.files.inventory, inventoryYaml(lab), { mode: 0o644 });
  writeFileSync(lab.files.inventoryAdmin, inventoryAdminYaml(lab), { mode: 0o644 });
}
