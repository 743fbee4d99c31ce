// pruneAptCaches on real folders: only apt caches whose lab is gone and that were not used for two weeks go.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pruneAptCaches } from '../../runner/lab/cache-prune.js';

let dir: string;
const saved = { cache: process.env.HAFORGE_LAB_CACHE, state: process.env.HAFORGE_LAB_STATE };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-prune-'));
  process.env.HAFORGE_LAB_CACHE = join(dir, 'cache');
  process.env.HAFORGE_LAB_STATE = join(dir, 'state');
});
afterEach(() => {
  for (const [k, v] of [['HAFORGE_LAB_CACHE', saved.cache], ['HAFORGE_LAB_STATE', saved.state]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

function folder(rel: string, ageDays: number): string {
  const p = join(dir, rel);
  mkdirSync(join(p, 'debian', 'pool'), { recursive: true });
  writeFileSync(join(p, 'debian', 'pool', 'x.deb'), 'x');
  const t = new Date(Date.now() - ageDays * 86_400_000);
  utimesSync(p, t, t);
  return p;
}

it('removes an old cache of a gone lab; keeps recent ones, ones whose lab exists, and base images', () => {
  const old = folder('cache/apt-gone', 20);
  const recent = folder('cache/apt-recent', 3);
  const live = folder('cache/apt-live', 40);
  mkdirSync(join(dir, 'state', 'live'), { recursive: true });
  const base = folder('cache/base-bookworm', 90);
  expect(pruneAptCaches()).toEqual([old]);
  expect([old, recent, live, base].map((p) => existsSync(p))).toEqual([false, true, true, true]);
});

it('is a no-op when there is no cache folder yet', () => {
  expect(pruneAptCaches()).toEqual([]);
});
