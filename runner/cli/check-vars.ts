// Run options found in the inventory are checked like flags, before any connection: type and choices,
// then the recipes' own preflight (conflicts, files). Errors name the file, the host and the var.
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import type { RunOption } from '../engine/types.js';
import { UsageError } from './errors.js';

export type Preflight = (vars: Vars) => Promise<string | undefined>;

export async function checkVars(inv: Inventory, hosts: readonly HostSpec[], options: readonly RunOption[], overrides: Vars, preflight?: Preflight): Promise<void> {
  const seen = new Set<string>();
  for (const host of hosts) {
    const vars = { ...host.vars, ...overrides };
    for (const o of options) {
      const v = host.vars[o.name];
      if (v === undefined || o.name in overrides) continue;
      const where = `${inv.file}: vars.${o.name} (host ${host.name})`;
      if (o.type !== typeof v) throw new UsageError(`${where}: expected a ${o.type}, found ${JSON.stringify(v)}`);
      if (o.choices && !o.choices.includes(String(v))) throw new UsageError(`${where}: expected one of ${o.choices.join(', ')}, found "${String(v)}"`);
    }
    const key = JSON.stringify(vars);
    if (!preflight || seen.has(key)) continue;
    seen.add(key);
    const problem = await preflight(vars);
    if (problem) throw new UsageError(`${problem} (host ${host.name})`);
  }
}
