// haforge's side of the benchmark: the compiled build (what `npm run build` makes and bin/haforge.mjs runs),
// a run through bin/haforge.mjs exactly as a user types it, its peak memory, and a no-op check of the recap.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { timed, type Timed } from './proc.js';

export const ROOT = join(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const RSS_HOOK = pathToFileURL(join(ROOT, 'bench', 'rss-hook.mjs')).href;

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The same test bin/haforge.mjs makes: is dist/ newer than every source? */
export function buildIsFresh(): boolean {
  return existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(newest(join(ROOT, 'runner')), newest(join(ROOT, 'recipes')));
}

/** `npm run build` when dist/ is missing or older than a source. Returns whether it built. */
export function ensureBuild(log: (line: string) => void): boolean {
  if (buildIsFresh()) return false;
  log('building haforge (npm run build) ...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return true;
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
  password: string;
  /** Run the TypeScript sources through tsx instead of the build (to measure what the build buys). */
  fromSource?: boolean;
}

/** `node bin/haforge.mjs ARGS`, unattended (CI=true, as in a pipeline), with the stats password from the environment. */
export async function haforge(args: string[], o: HaforgeOptions): Promise<HaforgeRun> {
  if (!o.fromSource) ensureBuild(() => undefined); // someone edited a source since: measure the build, not tsx
  const rssFile = join(ROOT, 'node_modules', '.cache', `haforge-bench-rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const r = await timed(process.execPath, ['--import', RSS_HOOK, join(ROOT, 'bin', 'haforge.mjs'), ...args], {
    log: o.log,
    label: o.label,
    timeoutS: o.timeoutS,
    cwd: ROOT,
    env: {
      CI: 'true',
      HAFORGE_STATS_PASSWORD: o.password,
      HAFORGE_BENCH_RSS: rssFile,
      HAFORGE_FROM_SOURCE: o.fromSource ? '1' : undefined,
      NO_COLOR: '1',
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
