// The recipe catalogue, in the order the tutorial does things. The planner orders by `after`; ties keep this order.
import type { Recipe, RunOption, SecretSpec } from '../runner/engine/types.js';
import { facts } from './facts.js';

export const recipes: Recipe[] = [facts];

/** Run options recipes read from vars; each becomes a flag (and a wizard question). */
export const options: RunOption[] = [];

/** Secrets recipes may need. */
export const secrets: SecretSpec[] = [];
