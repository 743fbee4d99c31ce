// haforge's side of the benchmark: the bundle `npm run build` makes (scripts/build.mjs), built once when the bench
// starts into a snapshot of its own, so every run of one bench measures the same code even while the sources
// change; its peak memory; a no-op check of the recap.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { timed, type Timed } from './proc.js';

export const ROOT = join(import.meta.dirname, '..');
const RSS_HOOK = pathToFileURL(join(ROOT, 'bench', 'rss-hook.mjs')).href;
// Inside the project: the bundle's external packages (ssh2, ...) resolve from its node_modules.
const SNAPSHOT = join(ROOT, 'node_modules', '.cache', `haforge-bench-${process.pid}`);
const ENTRY = join(SNAPSHOT, 'haforge.mjs');

/** Builds the snapshot: what `npm run build` makes, plus the two lines bin/haforge.mjs adds to run it. */
export function buildSnapshot(): string {
  buildInto(ROOT, SNAPSHOT);
  return SNAPSHOT;
}

/** scripts/build.mjs of the checkout at `source` into `dir` (inside this project, so the bundle's externals resolve
 * from its node_modules), plus the entry: returns the entry. */
export function buildInto(source: string, dir: string): string {
  const entry = join(dir, 'haforge.mjs');
  rmSync(dir, { recursive: true, force: true });
  execFileSync(process.execPath, [join(source, 'scripts', 'build.mjs'), '--outdir', dir], { cwd: source, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(entry, "const { main } = await import('./main.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return entry;
}

export function removeSnapshot(): void {
  rmSync(SNAPSHOT, { recursive: true, force: true });
}

export interface HaforgeRun extends Timed {
  /** Peak resident set of the haforge process, KB. */
  maxRssKb: number;
  /** ok/changed/failed totals from the recap's last line. */
  changed?: number;
  failed?: number;
}

export interface HaforgeOptions {
  log: string;
  label: string;
  timeoutS: number;
  stallS?: number;
  password: string;
  /** bin/haforge.mjs on the TypeScript sources through tsx instead of the bundle (to measure what the build buys). */
  fromSource?: boolean;
  /** More environment (the bench's own folder for the connection keeper's socket). */
  env?: Record<string, string>;
  /** Another build's entry (bench/revision.ts: the build of an earlier commit, measured side by side). */
  entry?: string;
}

/** haforge ARGS, unattended (CI=true, as in a pipeline), with the stats password from the environment. */
export async function haforge(args: string[], o: HaforgeOptions): Promise<HaforgeRun> {
  const rssFile = join(ROOT, 'node_modules', '.cache', `haforge-bench-rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const entry = o.fromSource ? join(ROOT, 'bin', 'haforge.mjs') : (o.entry ?? ENTRY);
  const r = await timed(process.execPath, ['--import', RSS_HOOK, entry, ...args], {
    log: o.log,
    label: o.label,
    timeoutS: o.timeoutS,
    stallS: o.stallS,
    cwd: ROOT,
    env: {
      CI: 'true',
      HAFORGE_STATS_PASSWORD: o.password,
      HAFORGE_BENCH_RSS: rssFile,
      HAFORGE_FROM_SOURCE: o.fromSource ? '1' : undefined,
      NO_COLOR: '1',
      ...o.env,
    },
  });
  let maxRssKb = NaN;
  try {
    maxRssKb = Number(readFileSync(rssFile, 'utf8'));
    rmSync(rssFile, { force: true });
  } catch {
    /* the process died before its exit hook */
  }
  // The recap's last line: "3 host(s), 0 failed; ok=13 changed=0 failed=0 skipped=0; 0.52s".
  const last = r.stdout.trimEnd().split('\n').reverse().find((l) => /\bchanged=\d+/.test(l)) ?? '';
  const changed = /\bchanged=(\d+)/.exec(last);
  const failed = /\bfailed=(\d+)/.exec(last);
  return { ...r, maxRssKb, ...(changed ? { changed: Number(changed[1]) } : {}), ...(failed ? { failed: Number(failed[1]) } : {}) };
}
