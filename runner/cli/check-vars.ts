// Run options found in the inventory are checked like flags, before any connection: known names (a typo gets
// a "did you mean"), type, range and choices, then the recipes' own preflight (conflicts, files). Errors name
// the file and the exact place the var was set (`groups.lb.hosts.lb1.vars.persistence`), or the flag.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import { closest } from '../inventory/errors.js';
import type { RunOption } from '../engine/types.js';
import { badValue, flagName } from '../inventory/option.js';
import { UsageError } from './errors.js';

/** Returns a problem to report with exit 2. By convention it starts with the name of the var it is about
 * (`https_cert /x.pem: ...`), so the message can say where that var was set. */
export type Preflight = (vars: Vars) => Promise<string | undefined>;

const flagOf = (name: string) => `--${flagName(name)}`;

/** Where a var of a host was set: the inventory path, or the flag when a flag set it. */
export function varPlace(inv: Inventory, host: HostSpec, name: string, overrides: Vars): string {
  if (name in overrides) return flagOf(name);
  const path = inv.varPaths?.[host.name]?.[name] ?? `vars.${name}`;
  return `${inv.file}: ${path}`;
}

/** File vars set in the inventory (https_cert: ./site.pem) resolve against the inventory's folder, as ssh.key
 * does, whatever the working directory. Flags are left as given (relative to the working directory). */
export function resolveFileVars(inv: Inventory, options: readonly RunOption[]): void {
  if (!isAbsolute(inv.file)) return; // generated (wizard): paths are already as the user typed them
  const base = dirname(inv.file);
  const fix = (vars: Vars) => {
    for (const o of options) {
      const v = vars[o.name];
      if (!o.file || typeof v !== 'string' || v === '' || isAbsolute(v) || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) continue;
      vars[o.name] = v.startsWith('~/') ? join(homedir(), v.slice(2)) : resolve(base, v);
    }
  };
  fix(inv.vars);
  for (const h of inv.hosts) fix(h.vars);
}

export { badValue };

/**
 * Checks every var in the inventory and the recipes' preflight for the selected hosts. Throws a UsageError
 * (exit 2) on the first problem; returns warnings (vars no recipe reads and that are not a likely typo).
 */
export async function checkVars(
  inv: Inventory,
  hosts: readonly HostSpec[],
  options: readonly RunOption[],
  overrides: Vars,
  preflight?: Preflight,
  hostVars: readonly RunOption[] = [],
): Promise<string[]> {
  const known = new Map([...options, ...hostVars].map((o) => [o.name, o]));
  const warnings = new Map<string, string>();
  // Overrides are flags or the wizard's answers: checked like inventory vars (the wizard's own prompts may let
  // through what a pattern refuses, e.g. a line break pasted into a text answer).
  for (const [name, v] of Object.entries(overrides)) {
    const o = known.get(name);
    const problem = o ? badValue(o, v) : undefined;
    if (problem) throw new UsageError(`${flagOf(name)}: ${problem}`);
  }
  // Every host, not only the selected ones: a web node's web_port is read by the lb's config.
  for (const host of inv.hosts) {
    for (const [name, v] of Object.entries(host.vars)) {
      if (name in overrides) continue;
      const where = varPlace(inv, host, name, overrides);
      const o = known.get(name);
      if (!o) {
        const guess = closest(name, [...known.keys()]);
        if (guess) throw new UsageError(`${where}: unknown var; did you mean \`${guess}\`? (haforge --help lists them)`);
        warnings.set(where, `${where}: unknown var, no recipe reads it (haforge --help lists the vars)`);
        continue;
      }
      const problem = badValue(o, v);
      if (problem) throw new UsageError(`${where}: ${problem}`);
    }
  }
  if (preflight) {
    const seen = new Set<string>();
    for (const host of hosts) {
      const vars = { ...host.vars, ...overrides };
      const key = JSON.stringify(vars);
      if (seen.has(key)) continue;
      seen.add(key);
      const problem = await preflight(vars);
      if (!problem) continue;
      const name = /^[a-z_]+/.exec(problem)?.[0];
      const set = name !== undefined && (name in overrides || name in host.vars);
      throw new UsageError(set ? `${varPlace(inv, host, name, overrides)}: ${problem}` : `${inv.file}: ${problem} (host ${host.name})`);
    }
  }
  return [...warnings.values()];
}
