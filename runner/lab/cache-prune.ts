// Each lab name has its own apt cache (two running proxies must not share one) and it outlives `down`, so a
// lab brought up again starts warm. Names come and go (tests, the bench): a cache whose lab is gone and that no
// lab used for CACHE_KEEP_DAYS is removed when any lab comes up.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { cacheRoot, stateDir } from './paths.js';

export const CACHE_KEEP_DAYS = 14;

/** Removes the stale apt caches; returns the folders removed. */
export function pruneAptCaches(now = Date.now(), keepDays = CACHE_KEEP_DAYS): string[] {
  const root = cacheRoot();
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith('apt-')) continue;
    // A lab of that name is up (or half-built): its proxy may be using the cache.
    if (existsSync(stateDir(e.name.slice('apt-'.length)))) continue;
    const dir = path.join(root, e.name);
    // The proxy touches its cache folder whenever a lab starts with it (proxy.ts).
    if (now - statSync(dir).mtimeMs < keepDays * 86_400_000) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
