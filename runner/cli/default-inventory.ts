// Which inventory a run uses: -i, else $HAFORGE_INVENTORY, else the local lab's when one is up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NAME, stateDir } from '../lab/paths.js';
import { UsageError } from './errors.js';

export function labInventoryPath(name = DEFAULT_NAME): string {
  return join(stateDir(name), 'inventory.yaml');
}

export function resolveInventoryPath(flag: string | undefined): string {
  const chosen = flag ?? process.env.HAFORGE_INVENTORY;
  if (chosen) return chosen;
  const lab = labInventoryPath();
  if (existsSync(lab)) return lab;
  throw new UsageError('no inventory: pass -i FILE (see inventory/example.yaml), or start the local lab with `haforge lab up`');
}
