#!/usr/bin/env node
// Entry point. Runs the compiled build (`npm run build`) when it is newer than every source file, for a fast
// start; otherwise runs the TypeScript sources through tsx, so a clone works with no build step.
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

let entry = join(root, 'dist', 'runner', 'cli', 'main.js');
if (!useBuild) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'runner', 'cli', 'main.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
