// Small shared formatters for the live view, the line log and the recap.
import chalk from 'chalk';
import type { Status } from '../engine/types.js';

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${(ms / 1000).toFixed(1)}s`;
}

const paint: Record<Status, (s: string) => string> = {
  ok: chalk.green,
  changed: chalk.yellow,
  failed: chalk.red,
  skipped: chalk.cyan,
};

export function statusWord(status: Status): string {
  return paint[status](status);
}

export function counts(c: Record<Status, number>): string {
  return (['ok', 'changed', 'failed', 'skipped'] as const)
    .map((s) => (c[s] ? paint[s](`${s}=${c[s]}`) : `${s}=0`))
    .join(' ');
}
