// Which inventory a run uses: -i, else $HAFORGE_INVENTORY. Nothing else: a run never starts a lab as a side
// effect (`haforge demo` does that, when asked).
import { UsageError } from './errors.js';

export const NO_INVENTORY =
  'no inventory: pass -i FILE (see inventory/example.yaml), or run `haforge demo` to try it on a local lab';

export function chooseInventory(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.HAFORGE_INVENTORY || undefined);
  if (!chosen) throw new UsageError(NO_INVENTORY);
  return chosen;
}
