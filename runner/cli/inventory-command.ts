// `haforge inventory -i FILE [--json]`: the resolved inventory of any source. --json prints what
// `ansible-inventory --list` prints (`_meta.hostvars`, `all.children`, one entry per group with its hosts), so it can
// feed other tools; without it, one line per host. No secret is in it: passwords are named by their variables only.
import type { HostSpec } from '../inventory/types.js';
import type { CliOptions } from './args.js';
import { chooseInventory } from './default-inventory.js';
import { loadInventorySource, type LoadedInventory } from './inventory-source.js';

function hostvars(h: HostSpec, facts: Record<string, unknown> | undefined): Record<string, unknown> {
  const login: Record<string, unknown> = { ansible_host: h.address, ansible_port: h.port, ansible_user: h.user };
  if (h.auth.kind === 'key') login.ansible_ssh_private_key_file = h.auth.keyFile;
  if (h.auth.kind === 'password') login.haforge_password_env = h.auth.passwordEnv;
  if (h.sudo) login.ansible_become = true;
  if (h.sudoPasswordEnv) login.haforge_sudo_password_env = h.sudoPasswordEnv;
  if (h.jump?.length) login.ansible_ssh_common_args = `-J ${h.jump.map((j) => `${j.user}@${j.address}:${j.port}`).join(',')}`;
  return { ...facts, ...h.vars, ...login };
}

export function ansibleList({ inventory, facts }: LoadedInventory): Record<string, unknown> {
  const groups = Object.keys(inventory.groups);
  const out: Record<string, unknown> = {
    _meta: { hostvars: Object.fromEntries(inventory.hosts.map((h) => [h.name, hostvars(h, facts[h.name])])) },
    all: { children: ['ungrouped', ...groups] },
  };
  for (const g of groups) out[g] = { hosts: inventory.groups[g] };
  return out;
}

export async function inventoryCommand(o: CliOptions): Promise<number> {
  const loaded = await loadInventorySource(chooseInventory(o.inventory), o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig } : {});
  if (o.json) {
    process.stdout.write(`${JSON.stringify(ansibleList(loaded), null, 2)}\n`);
    return 0;
  }
  for (const w of loaded.inventory.warnings) process.stderr.write(`warning: ${w}\n`);
  for (const h of loaded.inventory.hosts) process.stdout.write(`${h.groups.join(',')}\t${h.name}\t${h.user}@${h.address}:${h.port}\n`);
  return 0;
}
