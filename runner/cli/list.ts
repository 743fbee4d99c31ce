// `haforge list`: every recipe with its order, roles and summary.
import chalk from 'chalk';
import { planRecipes } from '../engine/planner.js';
import type { Recipe } from '../engine/types.js';

export function listRecipes(recipes: readonly Recipe[]): string {
  const ordered = planRecipes(recipes, recipes.map((r) => r.name));
  const w = Math.max(...ordered.map((r) => r.name.length));
  const rw = Math.max(...ordered.map((r) => r.roles.join(',').length));
  const lines = ordered.map(
    (r, i) =>
      `${String(i + 1).padStart(2)}. ${chalk.bold(r.name.padEnd(w))}  ${chalk.cyan(r.roles.join(',').padEnd(rw))}  ${r.summary}` +
      (r.after?.length ? chalk.dim(` (after ${r.after.join(', ')})`) : '') +
      (r.explicit ? chalk.dim(' (only when named)') : ''),
  );
  return ['Recipes, in the order `haforge up` runs them:', ...lines].join('\n');
}
