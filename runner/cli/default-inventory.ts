// Which inventory a run uses: -i, else $HAFORGE_INVENTORY, else the local lab's ("the embedded default"):
// started on the spot when it is not up, so one command on a fresh machine does the whole job.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NAME, stateDir } from '../lab/paths.js';
import { UsageError } from './errors.js';

export interface ChosenInventory {
  path: string;
  /** Set when it is the local lab's: secrets the lab keeps for its own demo (files, 0600). */
  labSecretFiles?: Record<string, string>;
}

export function labInventoryPath(name = DEFAULT_NAME): string {
  return join(stateDir(name), 'inventory.yaml');
}

/** The lab's demo stats password, made once per lab and kept in its state folder (0600), never printed. */
function labStatsPasswordFile(name = DEFAULT_NAME): string {
  const file = join(stateDir(name), 'stats-password');
  if (!existsSync(file) || !readFileSync(file, 'utf8').trim()) writeFileSync(file, `${randomBytes(12).toString('base64url')}\n`, { mode: 0o600 });
  return file;
}

export async function chooseInventory(flag: string | undefined, log: (line: string) => void): Promise<ChosenInventory> {
  const chosen = flag ?? process.env.HAFORGE_INVENTORY;
  if (chosen) return { path: chosen };
  const lab = labInventoryPath();
  if (process.getuid?.() === 0) {
    // labUp answers at once when the lab is already up, and cleans a crashed one's leftovers before starting.
    const { labUp } = await import('../lab/up.js');
    const info = await labUp({ log: existsSync(lab) ? () => undefined : log });
    if (!info.alreadyUp) log('no inventory given: started the local lab (haforge lab up)');
  } else if (!existsSync(lab)) {
    throw new UsageError('no inventory: pass -i FILE (see inventory/example.yaml), or run as root to use the local lab (`haforge lab up`)');
  }
  log(`inventory: ${lab} (the local lab)`);
  return { path: lab, labSecretFiles: { stats_password: labStatsPasswordFile() } };
}
