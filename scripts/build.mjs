#!/usr/bin/env node
// `npm run build`: bundles the CLI into dist/ with esbuild, for a fast start (bin/haforge.mjs runs dist/main.js
// when it is newer than every source, else the TypeScript sources through tsx). One file instead of hundreds
// to find, read and link: `haforge list` starts in about 130 ms of CPU instead of 210 (2 CPUs, node 20).
// Not a type check: `npm run typecheck` (and `npm test`) does that.
//
// Kept external (loaded from node_modules as they are): exactly package.json's `dependencies`, which the packed
// package carries in its tarball (bundleDependencies): ssh2 (CommonJS with optional native parts), and what is
// only loaded on demand (zx for the lab and local commands, listr2 for the terminal view, enquirer for prompts).
// Everything else is inlined, so it is a devDependency: ssh2-promise (its SOCKS dependency stubbed out,
// scripts/socks-unused.cjs), yaml, zod, chalk, diff.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(dependencies).flatMap((d) => [d, `${d}/*`]);
// --outdir DIR builds elsewhere (the benchmark keeps a snapshot of its own); DIR must be inside this project so
// the external packages resolve from its node_modules.
const at = process.argv.indexOf('--outdir');
const dist = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'dist');
// Built beside dist and swapped in, so a haforge started meanwhile never sees half a build.
const next = `${dist}.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
mkdirSync(next, { recursive: true });
try {
  await build({
    entryPoints: { main: join(root, 'runner', 'cli', 'main.ts') },
    outdir: next,
    bundle: true,
    splitting: true, // the lab, the wizard, ... stay separate chunks behind their dynamic imports
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // ssh2-promise is bundled for this: its SOCKS tunnel support (never used here) is replaced by a stub.
    alias: { '@heroku/socksv5': join(root, 'scripts', 'socks-unused.cjs') },
    // CommonJS packages inside an ESM bundle call require() for node's own modules.
    banner: { js: "import { createRequire as __haforgeRequire } from 'node:module'; const require = __haforgeRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  writeFileSync(join(next, '.build-stamp'), `${new Date().toISOString()}\n`);
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch {
    /* no earlier build */
  }
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
} catch (e) {
  rmSync(next, { recursive: true, force: true });
  throw e;
}
