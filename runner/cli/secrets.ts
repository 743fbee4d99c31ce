// Gathers every secret a run needs before any connection: from the environment, a --NAME-file, or a prompt
// on a TTY. Unattended and missing: a UsageError naming the variable (exit 2, nothing touched).
import { readFileSync } from 'node:fs';
import type { HostSpec, Vars } from '../inventory/types.js';
import type { SecretSpec } from '../engine/types.js';
import type { Redactor } from '../report/redact.js';
import { UsageError } from './errors.js';

export type Prompter = (message: string) => Promise<string>;

export interface SecretsInput {
  hosts: readonly HostSpec[];
  specs: readonly SecretSpec[];
  vars: Vars;
  files: Record<string, string>;
  /** Files used when neither a file flag nor the environment gives the secret (the lab's demo secrets). */
  fallbackFiles?: Record<string, string>;
  env: NodeJS.ProcessEnv;
  /** Present only when a person can answer (TTY, not CI, no --yes). */
  prompt?: Prompter;
  /** Why there is no prompt ("stdin is not a terminal"), said in the error of a missing secret. */
  noPromptReason?: string;
  redactor: Redactor;
}

export interface Secrets {
  /** Recipe secrets by name (HostContext.secrets). */
  recipe: Record<string, string>;
  /** Connection secrets by environment variable name (SSH and sudo passwords). */
  byEnv: Record<string, string>;
}

export async function gatherSecrets(i: SecretsInput): Promise<Secrets> {
  const byEnv: Record<string, string> = {};
  const notAsked = i.noPromptReason ? `not asked: ${i.noPromptReason}` : 'asked only on a terminal';
  const fromEnvOrPrompt = async (env: string, question: string, what: string): Promise<void> => {
    if (byEnv[env] !== undefined) return;
    const value = i.env[env] || (i.prompt ? await i.prompt(`${question} (${env} is not set)`) : undefined);
    if (!value) throw new UsageError(`${what}: set ${env} in the environment (${notAsked})`);
    byEnv[env] = value;
  };
  for (const h of i.hosts) {
    if (h.auth.kind === 'password') {
      if (h.auth.password) byEnv[`inventory:${h.name}`] = h.auth.password;
      else await fromEnvOrPrompt(h.auth.passwordEnv, `SSH password for ${h.user}@${h.address}`, `no SSH password for ${h.name}`);
    }
    if (h.sudo && h.user !== 'root' && h.sudoPasswordEnv) {
      await fromEnvOrPrompt(h.sudoPasswordEnv, `sudo password for ${h.user} on ${h.name}`, `no sudo password for ${h.name}`);
    }
  }
  const recipe: Record<string, string> = {};
  for (const s of i.specs) {
    if (!s.required(i.vars)) continue;
    const file = i.files[s.name] ?? (i.env[s.env] ? undefined : i.fallbackFiles?.[s.name]);
    let value: string | undefined;
    if (file) {
      try {
        value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new UsageError(`--${s.fileFlag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      if (!value) throw new UsageError(`--${s.fileFlag} ${file}: the file is empty`);
    } else value = i.env[s.env] || (i.prompt ? await i.prompt(`${s.description[0]!.toUpperCase()}${s.description.slice(1)} (${s.env} is not set)`) : undefined);
    if (!value) {
      const via = s.fileFlag ? ` or pass --${s.fileFlag} FILE` : '';
      throw new UsageError(`${s.description} is needed: set ${s.env}${via} (${notAsked})`);
    }
    recipe[s.name] = value;
  }
  for (const v of [...Object.values(byEnv), ...Object.values(recipe)]) i.redactor.add(v);
  return { recipe, byEnv };
}
