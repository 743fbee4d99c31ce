// A run's first phase, before any connection: inventory -> hosts -> recipes -> vars -> secrets. Everything that can
// be wrong with the input stops here (exit 2), and every secret a person may be asked for is asked here.
import chalk from 'chalk';
import { UsageError } from './errors.js';
import { selectHosts } from '../inventory/index.js';
import { loadInventorySource } from './inventory-source.js';
import type { HostSpec, Inventory } from '../inventory/types.js';
import { planRecipes } from '../engine/planner.js';
import type { Recipe } from '../engine/types.js';
import type { Redactor } from '../report/redact.js';
import { gatherSecrets, type Secrets } from './secrets.js';
import { chooseInventory } from './default-inventory.js';
import { checkVars, resolveFileVars } from './check-vars.js';
import type { CliOptions } from './args.js';
import type { PlanRequest } from './run-request.js';

export interface RunInputs {
  inventory: Inventory;
  hosts: HostSpec[];
  recipes: Recipe[];
  secrets: Secrets;
}

const warn = (o: CliOptions, lines: readonly string[]) => {
  if (!o.json) for (const w of lines) process.stderr.write(`${chalk.yellow('warning:')} ${w}\n`);
};

/** The run's inventory: given by the caller (demo, wizard) or read from -i with -F's ssh_config. */
export async function inventoryOf(req: PlanRequest, o: CliOptions): Promise<Inventory> {
  return req.inventory ?? (await loadInventorySource(chooseInventory(o.inventory), o.sshConfig !== undefined ? { sshConfigFile: o.sshConfig } : {})).inventory;
}

/** --show-ssh: the selected hosts' connection settings, before vars and secrets (none is needed to show them). */
export async function selectedHosts(req: PlanRequest, o: CliOptions): Promise<HostSpec[]> {
  return selectHosts(await inventoryOf(req, o), o.limit);
}

export async function runInputs(req: PlanRequest, o: CliOptions, redactor: Redactor): Promise<RunInputs> {
  const inventory = await inventoryOf(req, o);
  warn(o, inventory.warnings);
  resolveFileVars(inventory, req.catalogue.options);
  // `status LB...`: names of load balancers, nothing else (an unknown name is exit 2, like a bad --limit).
  const only = req.command === 'status' && req.recipeNames?.length ? req.recipeNames : undefined;
  const lbs = inventory.groups['lb'] ?? [];
  const stranger = only?.find((n) => !lbs.includes(n));
  if (stranger) throw new UsageError(`status ${stranger}: not a load balancer of ${inventory.file} (${lbs.join(', ') || 'groups.lb is empty'})`);
  const hosts = selectHosts(inventory, only ?? o.limit);
  const names = req.command === 'verify' || req.command === 'status' || req.command === 'failover' ? [req.command] : req.command === 'run' ? req.recipeNames : undefined;
  const recipes = planRecipes(req.catalogue.recipes, names, { withDeps: o.withDeps });
  const varWarnings = await checkVars(inventory, hosts, req.catalogue.options, o.vars, req.catalogue.preflight, req.catalogue.hostVars);
  const vars = { ...inventory.vars, ...o.vars };
  const across = req.catalogue.clusterPreflight?.(inventory, { recipes: recipes.map((r) => r.name), vars });
  if (across?.problem) throw new UsageError(across.problem);
  warn(o, [...varWarnings, ...(across?.warnings ?? [])]);
  for (const opt of req.catalogue.options) if (vars[opt.name] === undefined && opt.default !== undefined) vars[opt.name] = opt.default;
  const secrets = await gatherSecrets({
    hosts,
    specs: req.catalogue.secrets.filter((s) => s.neededBy.some((n) => recipes.some((r) => r.name === n))),
    vars,
    files: o.secretFiles,
    fallbackFiles: req.fallbackSecretFiles,
    env: req.env ?? process.env,
    prompt: req.prompt,
    noPromptReason: req.noPromptReason,
    redactor,
  });
  return { inventory, hosts, recipes, secrets };
}
