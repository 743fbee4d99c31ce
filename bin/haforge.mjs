#!/usr/bin/env node
// Entry point. An installed package (npm install -g) has the bundle (dist/, made by `npm pack`'s prepack) and no
// TypeScript sources: it always runs the bundle and never needs tsx, a dev dependency. In a checkout it runs the
// bundle (`npm run build`) when that is newer than every source file, for a fast start; otherwise the sources
// through tsx, so a clone works with no build step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'main.js');
const stamp = join(root, 'dist', '.build-stamp');
const sources = [join(root, 'runner'), join(root, 'recipes')];
const isCheckout = existsSync(join(root, 'runner', 'cli', 'main.ts'));

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function bundleIsCurrent() {
  if (process.env.HAFORGE_FROM_SOURCE || !existsSync(stamp)) return false;
  return statSync(stamp).mtimeMs >= Math.max(...sources.map(newestSource));
}

let mod;
if (!isCheckout) {
  if (!existsSync(bundle)) {
    process.stderr.write(`haforge: ${bundle} is missing: this package was packed without its build (npm pack runs it in prepack); reinstall it\n`);
    process.exit(2);
  }
  mod = await import(pathToFileURL(bundle).href);
} else {
  if (bundleIsCurrent()) {
    try {
      mod = await import(pathToFileURL(bundle).href);
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
}
process.exitCode = await mod.main(process.argv.slice(2));
