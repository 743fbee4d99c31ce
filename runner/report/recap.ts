// The recap printed after a run: per host, then per recipe, with counts and durations.
import chalk from 'chalk';
import type { ExecuteResult } from '../engine/executor.js';
import type { Status, StepResult } from '../engine/types.js';
import { counts, seconds } from './format.js';

const zero = (): Record<Status, number> => ({ ok: 0, changed: 0, failed: 0, skipped: 0 });

export function renderRecap(run: ExecuteResult, opts: { dryRun: boolean; totalMs: number }): string {
  const lines: string[] = ['', chalk.bold(opts.dryRun ? 'RECAP (dry run: nothing was changed)' : 'RECAP')];
  const width = Math.max(4, ...run.hosts.map((h) => h.host.length));
  for (const host of run.hosts) {
    const untouched = host.status === 'skipped' && host.error !== undefined;
    const mark = host.status === 'failed' ? chalk.red('✖') : untouched ? chalk.yellow('–') : chalk.green('✔');
    lines.push(`${mark} ${chalk.bold(host.host.padEnd(width))}  ${counts(host.counts)}  ${seconds(host.durationMs)}`);
    if (untouched) {
      lines.push(chalk.yellow(`    ${host.error}`));
      continue;
    }
    const byRecipe = new Map<string, { c: Record<Status, number>; ms: number; failed?: StepResult }>();
    for (const r of run.results.filter((x) => x.host === host.host)) {
      const e = byRecipe.get(r.recipe) ?? { c: zero(), ms: 0 };
      e.c[r.status]++;
      e.ms += r.durationMs;
      if (r.status === 'failed') e.failed = r;
      byRecipe.set(r.recipe, e);
    }
    const rw = Math.max(0, ...[...byRecipe.keys()].map((k) => k.length));
    for (const [recipe, e] of byRecipe) {
      lines.push(`    ${recipe.padEnd(rw)}  ${counts(e.c)}  ${seconds(e.ms)}`);
      if (e.failed) lines.push(chalk.red(`      ${e.failed.step}: ${e.failed.message ?? 'failed'}`));
    }
  }
  const failed = run.hosts.filter((h) => h.status === 'failed').length;
  const notTouched = run.hosts.filter((h) => h.status === 'skipped' && h.error !== undefined).map((h) => h.host);
  if (notTouched.length) lines.push(chalk.yellow(`not touched (rollout stopped): ${notTouched.join(', ')}`));
  const total = zero();
  for (const h of run.hosts) for (const s of Object.keys(total) as Status[]) total[s] += h.counts[s];
  lines.push(
    `${run.hosts.length} host(s), ${failed} failed; ${counts(total)}; ${seconds(opts.totalMs)}` +
      (run.interrupted ? chalk.red(' — interrupted: no new steps were started') : ''),
  );
  return lines.join('\n');
}

/** Unified diffs and planned commands of a dry run, after the recap's host lines. */
export function renderChanges(results: readonly StepResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.status !== 'changed' || (!r.diff && !r.commands?.length)) continue;
    out.push(chalk.bold(`--- ${r.host} › ${r.recipe} › ${r.step}`));
    if (r.diff) out.push(colourDiff(r.diff));
    for (const c of r.commands ?? []) out.push(`  $ ${c}`);
  }
  return out.join('\n');
}

function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++') ? chalk.green(l) : l.startsWith('-') && !l.startsWith('---') ? chalk.red(l) : l,
    )
    .join('\n');
}
