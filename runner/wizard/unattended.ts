// The unattended command that reproduces a wizard run: the same inventory, every answer as a flag (flags win
// over inventory vars, so the command means the same even if the file is edited later), --yes, and the
// secrets only by the names of the environment variables that must hold them.
import { basename } from 'node:path';
import type { RunOption } from '../engine/types.js';
import type { Vars } from '../inventory/types.js';
import { quote } from '../transport/quote.js';

/** How this haforge was started: `haforge` when it runs from a bin named so, else `node /path/bin/haforge.mjs`. */
export function haforgeCommand(argv1 = process.argv[1] ?? 'haforge'): string {
  return basename(argv1) === 'haforge' ? 'haforge' : `node ${quote(argv1)}`;
}

export function optionFlags(vars: Vars, options: readonly RunOption[]): string[] {
  const out: string[] = [];
  for (const o of options) {
    const v = vars[o.name];
    if (v === undefined) continue;
    const flag = `--${o.name.replaceAll('_', '-')}`;
    if (o.type === 'boolean') out.push(v ? flag : `--no-${o.name.replaceAll('_', '-')}`);
    else out.push(flag, quote(String(v)));
  }
  return out;
}

export function unattendedCommand(o: {
  inventoryFile: string;
  vars: Vars;
  options: readonly RunOption[];
  argv1?: string;
  /** --limit patterns and --dry-run given to the wizard: part of the run, so part of the command. */
  limit?: readonly string[];
  dryRun?: boolean;
}): string {
  return [
    haforgeCommand(o.argv1),
    'up',
    '-i',
    quote(o.inventoryFile),
    ...(o.limit?.length ? ['--limit', quote(o.limit.join(','))] : []),
    ...(o.dryRun ? ['--dry-run'] : []),
    ...optionFlags(o.vars, o.options),
    '--yes',
  ].join(' ');
}
