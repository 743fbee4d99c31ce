// The part of a run that touches no host: inventory -> hosts (--limit) -> recipes -> vars checked (the recipes'
// preflight included) -> secrets. Every bad input stops here with exit 2; the fuzz test drives this alone.
import { loadInventory, selectHosts } from '../inventory/index.js';
import type { HostSpec, Inventory } from '../inventory/types.js';
import { planRecipes } from '../engine/planner.js';
import type { Recipe } from '../engine/types.js';
import type { Redactor } from '../report/redact.js';
import type { CliOptions } from './args.js';
import { gatherSecrets, type Secrets } from './secrets.js';
import { chooseInventory } from './default-inventory.js';
import { checkVars, resolveFileVars } from './check-vars.js';
import type { PlanRequest } from './run-plan.js';

export interface PreparedPlan {
  inventory: Inventory;
  hosts: HostSpec[];
  recipes: Recipe[];
  secrets: Secrets;
}

/** Throws an error with exitCode 2 (InventoryError, LimitError, UsageError) on any bad input. Warnings go to warn
 * as they are found (the inventory's before a later stage may stop the run). */
export async function preparePlan(req: PlanRequest, o: CliOptions, redactor: Redactor, warn: (line: string) => void): Promise<PreparedPlan> {
  const inventory = req.inventory ?? loadInventory(chooseInventory(o.inventory));
  for (const w of inventory.warnings) warn(w);
  resolveFileVars(inventory, req.catalogue.options);
  const hosts = selectHosts(inventory, o.limit);
  const names = req.command === 'verify' ? ['verify'] : req.command === 'run' ? req.recipeNames : undefined;
  const recipes = planRecipes(req.catalogue.recipes, names, { withDeps: o.withDeps });
  for (const w of await checkVars(inventory, hosts, req.catalogue.options, o.vars, req.catalogue.preflight, req.catalogue.hostVars)) warn(w);
  const vars = { ...inventory.vars, ...o.vars };
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
