#!/usr/bin/env node
// Entry point. Runs the bundled build (`npm run build`, dist/main.js) when it is newer than every source file, for
// a fast start; otherwise runs the TypeScript sources through tsx, so a clone works with no build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const useBuild =
  !process.env.HAFORGE_FROM_SOURCE &&
  existsSync(stamp) &&
  statSync(stamp).mtimeMs >= Math.max(newestSource(join(root, 'runner')), newestSource(join(root, 'recipes')));

// dist/main.js is the esbuild bundle `npm run build` makes (scripts/build.mjs).
let mod;
if (useBuild) {
  try {
    mod = await import(pathToFileURL(join(root, 'dist', 'main.js')).href);
  } catch (e) {
    // A build being swapped in this very moment, or an older layout: the sources always work.
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}
if (!mod) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'runner', 'cli', 'main.ts')).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
