// haforge starting itself in the background (the lab's apt proxy, the connection keeper): below both the CLI and the
// lab, so neither layer reaches into the other for it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bin/haforge.mjs of this checkout, found from this module (runner/cli/ in the sources, dist/ in the build). */
export function haforgeBin(): string | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const bin = path.join(dir, 'bin', 'haforge.mjs');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/** A bare environment for a process that outlives this run: it must not keep this run's secrets
 * (HAFORGE_STATS_PASSWORD, ...) in its environment. */
export function backgroundEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...(process.env.HAFORGE_FROM_SOURCE ? { HAFORGE_FROM_SOURCE: '1' } : {}) };
}
