// The inventory the wizard builds from the answers: YAML in the documented format (inventory/example.yaml),
// validated by the same parser as any file, and saved for unattended runs. Never a secret in it: passwords are
// referred to by the names of the environment variables that hold them.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { DEFAULT_PASSWORD_ENV, DEFAULT_SUDO_PASSWORD_ENV, parseInventory } from '../inventory/index.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { HostPort } from './validate.js';

export type LoginAnswer = { kind: 'agent' } | { kind: 'key'; keyFile: string } | { kind: 'password' };

export interface BuiltHosts {
  lb: HostPort;
  web: HostPort[];
  user: string;
  login: LoginAnswer;
}

export const SSH_PASSWORD_ENV = DEFAULT_PASSWORD_ENV;
export const SUDO_PASSWORD_ENV = DEFAULT_SUDO_PASSWORD_ENV;

/** Environment variables the built inventory reads its secrets from, with what each holds. */
export function secretEnvOf(h: BuiltHosts): { env: string; what: string }[] {
  const out: { env: string; what: string }[] = [];
  if (h.login.kind === 'password') out.push({ env: SSH_PASSWORD_ENV, what: `SSH password of ${h.user}` });
  if (h.user !== 'root') out.push({ env: SUDO_PASSWORD_ENV, what: `sudo password of ${h.user}` });
  return out;
}

export function inventoryYaml(h: BuiltHosts, vars: Vars, secretEnvs: readonly { env: string; what: string }[]): string {
  const host = (hp: HostPort) => (hp.port === 22 ? { address: hp.address } : { address: hp.address, port: hp.port });
  const ssh: Record<string, unknown> = { user: h.user };
  if (h.login.kind === 'agent') ssh.agent = true;
  if (h.login.kind === 'key') ssh.key = h.login.keyFile;
  if (h.login.kind === 'password') ssh.password_env = SSH_PASSWORD_ENV;
  if (h.user !== 'root') {
    ssh.sudo = true;
    ssh.sudo_password_env = SUDO_PASSWORD_ENV;
  }
  const doc = {
    vars,
    ssh,
    groups: {
      lb: { hosts: { lb1: host(h.lb) } },
      web: { hosts: Object.fromEntries(h.web.map((w, i) => [`web${i + 1}`, host(w)])) },
    },
  };
  const header = [
    `# haforge inventory written by \`haforge wizard\` (${new Date().toISOString().slice(0, 10)}).`,
    '# Every key is explained in inventory/example.yaml. No secret is stored here: a run reads them from',
    '# these environment variables (asked on a terminal when unset):',
    ...secretEnvs.map((s) => `#   ${s.env.padEnd(24)} ${s.what}`),
    '',
  ];
  return header.join('\n') + stringify(doc, { lineWidth: 0 });
}

/** Parses the built YAML like any inventory file (the run gets exactly what a saved file would give). */
export function builtInventory(yaml: string): Inventory {
  return parseInventory(yaml);
}

export function saveInventory(file: string, yaml: string): void {
  writeFileSync(file, yaml, { mode: 0o644 });
}
