// Orders recipes by their `after` declarations. Pure: no hosts, no I/O.
import { closest } from '../inventory/errors.js';
import type { Recipe } from './types.js';

export class PlanError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

export interface PlanOptions {
  /** Also plan every recipe the named ones run after, transitively. */
  withDeps?: boolean;
}

/**
 * Returns the recipes to run, dependencies first. `names` undefined means every recipe.
 * Ties keep registry order, so the plan is stable and reads like the tutorial.
 */
export function planRecipes(registry: readonly Recipe[], names?: readonly string[], opts: PlanOptions = {}): Recipe[] {
  const byName = new Map(registry.map((r) => [r.name, r]));
  for (const r of registry) {
    for (const dep of r.after ?? []) {
      if (!byName.has(dep)) throw new PlanError(`recipe ${r.name} runs after unknown recipe "${dep}"`);
    }
  }
  const wanted = new Set<string>();
  const add = (name: string, via?: string): void => {
    const recipe = byName.get(name);
    if (!recipe) {
      const names = registry.map((r) => r.name);
      const guess = closest(name, names);
      throw new PlanError(
        `unknown recipe "${name}"${via ? ` (needed by ${via})` : ''}${guess ? `; did you mean "${guess}"?` : ''}; known recipes: ${names.join(', ')} (haforge list)`,
      );
    }
    if (wanted.has(name)) return;
    wanted.add(name);
    if (opts.withDeps) for (const dep of recipe.after ?? []) add(dep, name);
  };
  for (const name of names ?? registry.filter((r) => !r.explicit).map((r) => r.name)) add(name);

  // Depth-first topological sort over the wanted set; a grey node met again is a cycle.
  const order: Recipe[] = [];
  const state = new Map<string, 'grey' | 'black'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'black') return;
    if (s === 'grey') {
      const cycle = [...path.slice(path.indexOf(name)), name].join(' -> ');
      throw new PlanError(`recipe dependency cycle: ${cycle}`);
    }
    state.set(name, 'grey');
    const recipe = byName.get(name)!;
    for (const dep of recipe.after ?? []) if (wanted.has(dep)) visit(dep, [...path, name]);
    state.set(name, 'black');
    order.push(recipe);
  };
  for (const r of registry) if (wanted.has(r.name)) visit(r.name, []);
  return order;
}

/** Does a recipe apply to a host in these groups? */
export function appliesTo(recipe: Recipe, groups: readonly string[]): boolean {
  return recipe.roles.includes('all') || recipe.roles.some((role) => groups.includes(role));
}
