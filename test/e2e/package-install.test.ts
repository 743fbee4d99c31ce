// Issue 21, the installable package: `npm pack`, `npm install -g` of the tarball into a temporary prefix (offline,
// no dev dependencies, no checkout on the module path), then the installed `haforge` against the labs:
// --help, version, `demo` (refused clearly where it cannot make the lab: it would make the shared hflab here),
// `up -i` (every host ok) and `check -i` (nothing would change), run from a folder outside the checkout.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STATS_ENV, e2eLabs, onEach, scratch, stopForeignWebServers, tag } from '../support/e2e-lab.js';
import { REPO_ROOT, expectSuccess, haforge, summary, type CliOptions } from '../support/haforge-cli.js';
import { packAndInstall, type PackedInstall } from '../support/packed.js';

const { labs, skip } = e2eLabs();

describe.skipIf(Boolean(skip))('the packed package, installed with npm install -g into a temporary prefix', () => {
  let pkg: PackedInstall;
  let cwd: { dir: string; remove(): Promise<void> };
  const opts = (extra: CliOptions = {}): CliOptions => ({ bin: pkg.bin, cwd: cwd.dir, ...extra, env: { ...pkg.env, ...extra.env } });

  beforeAll(async () => {
    cwd = await scratch('packed-cwd');
    pkg = await packAndInstall();
  }, 300_000);

  afterAll(async () => {
    await pkg?.remove();
    await cwd?.remove();
  });

  test('the install holds the bundle and the runtime dependencies only: no sources, no tsx, no dev dependency', () => {
    const modules = path.join(pkg.packageDir, 'node_modules');
    expect(existsSync(path.join(pkg.packageDir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(path.join(pkg.packageDir, 'LICENSE'))).toBe(true);
    expect(existsSync(path.join(pkg.packageDir, 'runner'))).toBe(false);
    const { devDependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const dev of ['tsx', ...Object.keys(devDependencies)]) expect(existsSync(path.join(modules, dev)), dev).toBe(false);
  });

  test('haforge --help and haforge version', async () => {
    const help = await haforge(['--help'], opts());
    expect(help.code, summary(help)).toBe(0);
    expect(help.stdout).toMatch(/^Usage: haforge \[COMMAND\] \[OPTIONS\]$/m);
    expect(help.stderr).toBe('');
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = await haforge(['version'], opts());
    expect(v.stdout.trim(), summary(v)).toBe(`haforge ${version}`);
  });

  test('haforge demo: the lab code is in the bundle; refused in one line without root, and with -i', async () => {
    // As nobody (its lab needs root): the prefix made readable for the test.
    chmodSync(path.dirname(pkg.prefix), 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', pkg.bin, 'demo'], { cwd: '/', env: { ...pkg.env, CI: 'true' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe('haforge: `haforge demo` needs root: the local lab uses network namespaces (sudo haforge demo)\n');
    const withInv = await haforge(['demo', '-i', '/nonexistent.yaml'], opts());
    expect(withInv.code, summary(withInv)).toBe(2);
    expect(withInv.stderr).toMatch(/`haforge demo` runs on the local lab; for your own inventory: haforge up -i FILE/);
  });

  test('up -i, then check -i, against the labs (Debian 12 and 13)', async () => {
    await onEach(labs, async (lab) => {
      await stopForeignWebServers(lab); // a leftover of another file's fault tests would hold port 80
      const run = (cmd: string) => haforge([cmd, '-i', lab.files.inventory, '--json'], opts({ env: STATS_ENV }));
      const up = expectSuccess(await run('up'));
      expect(up.hosts.map((h) => (h.status === 'changed' ? 'ok' : h.status)), tag(lab)).toEqual(lab.hosts.map(() => 'ok'));
      // On a fresh host check stops at haproxy-config (nothing installed yet to validate with): after up, it is
      // the converged cluster's dry run, exit 0.
      const check = expectSuccess(await run('check'));
      expect(check, tag(lab)).toMatchObject({ command: 'check', dryRun: true, exitCode: 0 });
      const notOk = check.results.filter((r) => r.status !== 'ok').map((r) => `${r.host} ${r.recipe} › ${r.step}: ${r.status} ${r.message ?? ''}`);
      expect(notOk.filter((l) => / failed /.test(l)), `${tag(lab)}\n${notOk.join('\n')}`).toEqual([]);
      if (notOk.length) process.stderr.write(`[package e2e] ${tag(lab)} check after up, not ok:\n  ${notOk.join('\n  ')}\n`);
    });
  });
});
