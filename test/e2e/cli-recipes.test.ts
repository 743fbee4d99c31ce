// Issue 5, single recipes, on Debian 12 and 13 at once:
//  - `run haproxy-config --dry-run` after a variant change: the unified diff of haproxy.cfg, nothing else runs,
//    nothing changes on the LB (file hash, file list of /etc/haproxy, haproxy PIDs);
//  - `run` of a recipe whose prerequisite is missing names the recipe that provides it (haproxy-config on a host
//    without haproxy: a web node put in the lb group of a test inventory), and touches nothing there;
//  - `--with-deps` plans the prerequisites (dry run), `--limit` globs pick hosts, a pattern that matches nothing
//    is an error naming it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import {
  CONFIG,
  STATS_ENV,
  closeSsh,
  configHash,
  convergeDefault,
  e2eLabs,
  haproxyPids,
  inHost,
  lbOf,
  onEach,
  scratch,
  sshRun,
  websOf,
} from '../support/e2e-lab.js';
import { haforge, summary } from '../support/haforge-cli.js';

const { labs, skip } = e2eLabs();

/** What must not move on the LB during a dry run. */
async function lbState(lab: LabInfo): Promise<{ hash: string; files: string; pids: number[] }> {
  return {
    hash: await configHash(lab),
    files: await sshRun(lab, lbOf(lab).name, 'ls -la --time-style=+%s /etc/haproxy; ls -la --time-style=+%s /etc/ssl/private 2>/dev/null; true'),
    pids: await haproxyPids(lab),
  };
}

describe.skipIf(Boolean(skip))('single recipes (bookworm and trixie)', () => {
  let tmp: { dir: string; remove(): Promise<void> };

  beforeAll(async () => {
    tmp = await scratch('cli-recipes');
    await onEach(labs, (lab) => convergeDefault(lab));
  });

  afterAll(async () => {
    try {
      await onEach(labs, (lab) => convergeDefault(lab));
    } finally {
      await closeSsh();
      await tmp?.remove();
    }
  });

  test('run haproxy-config --dry-run after a variant change: the diff, and nothing changed on the LB', async () => {
    await onEach(labs, async (lab) => {
      const before = await lbState(lab);
      const r = await haforge(['run', 'haproxy-config', '--dry-run', '--persistence', 'source', '--keep-alive', '-i', lab.files.inventory], { env: STATS_ENV });
      expect(r.code, summary(r)).toBe(0);
      // The unified diff of the file, then the recap that says nothing was changed.
      expect(r.stdout).toContain(`--- ${lbOf(lab).name} › haproxy-config › config ${CONFIG}`);
      expect(r.stdout).toContain(`--- ${CONFIG}\tcurrent`);
      expect(r.stdout).toContain(`+++ ${CONFIG}\twanted`);
      expect(r.stdout).toMatch(/^-\s+balance roundrobin$/m);
      expect(r.stdout).toMatch(/^\+\s+balance source$/m);
      expect(r.stdout).toMatch(/^\+\s+option http-server-close$/m);
      // And what applying it would run: haproxy's check of a copy (after seeding the server-state file it names), then the reload.
      expect(r.stdout).toMatch(/^ {2}\$ \{ \[ -s '?\/var\/lib\/haproxy\/server-state'? \].* && haproxy .*-c -f '?\/etc\/haproxy\/haproxy\.cfg\.haforge-validate'?; code=\$\?; rm -f .*; exit \$code$/m);
      expect(r.stdout).toMatch(/^ {2}\$ upload \/etc\/haproxy\/haproxy\.cfg \(mode 0640 root:haproxy, \d+ bytes, sha256 [0-9a-f]{64}\)$/m);
      // The reload, after the server states are saved for the new process to load.
      expect(r.stdout).toMatch(lab.init === 'systemd' ? /^ {2}\$ .*show servers state.*; systemctl reload '?haproxy'?$/m : /^ {2}\$ .*show servers state.*; service '?haproxy'? reload$/m);
      expect(r.stdout).toContain('RECAP (dry run: nothing was changed)');
      // Only that recipe, on the LB only.
      expect(r.stdout).not.toMatch(/system-update|apache-install|haproxy-service|verify ›/);
      expect(r.stdout).toMatch(/web1 +ok=0 changed=0 failed=0 skipped=0/);

      const json = await haforge(['run', 'haproxy-config', '--dry-run', '--persistence', 'source', '-i', lab.files.inventory, '--json'], { env: STATS_ENV });
      expect(json.code, summary(json)).toBe(0);
      expect(json.report!.dryRun).toBe(true);
      expect([...new Set(json.report!.results.map((x) => x.recipe))]).toEqual(['haproxy-config']);
      const cfg = json.report!.results.find((x) => x.step.startsWith(`config ${CONFIG}`))!;
      expect(cfg.status).toBe('changed');
      expect(cfg.diff).toContain('+    balance source');
      // The plan: backup, a validated copy, the upload, the reload (7 commands), and one typed write action.
      expect(cfg.commands).toHaveLength(7);
      expect(cfg.actions?.map((x) => [x.kind, x['path'], x['mode'], x['group']])).toEqual([['write', CONFIG, '0640', 'haproxy']]);
      expect(JSON.stringify(cfg.actions)).not.toMatch(/content|balance source/);

      expect(await lbState(lab)).toEqual(before);
    });
  });

  test('a missing prerequisite names the recipe that provides it; nothing is touched there', async () => {
    await onEach(labs, async (lab) => {
      // web1 has no haproxy: make it the "lb" of a test inventory (web2 the web node) and run haproxy-config.
      const [web1, web2] = websOf(lab);
      const inv = `${tmp.dir}/${lab.name}-no-haproxy.yaml`;
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        inv,
        `ssh:\n  key: ${lab.files.key}\n  known_hosts: ${lab.files.knownHosts}\ngroups:\n  lb:\n    hosts:\n      bare: { address: ${web1!.address} }\n  web:\n    hosts:\n      web2: { address: ${web2!.address} }\n`,
      );
      const before = await inHost(lab, web1!.name, 'ls -la --time-style=+%s /etc; dpkg -l | wc -l');
      const r = await haforge(['run', 'haproxy-config', '-i', inv, '--json'], { env: STATS_ENV });
      expect(r.code, summary(r)).toBe(1);
      const failed = r.report!.results.filter((x) => x.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        host: 'bare',
        recipe: 'haproxy-config',
        step: 'requires the haproxy package',
        message: 'the haproxy package is missing: run recipe "haproxy-install" first, or add --with-deps',
      });
      // Checked before any step: no file written, no package installed.
      expect(r.report!.results.filter((x) => x.host === 'bare').map((x) => x.step)).toEqual(['requires the haproxy package']);
      expect(await inHost(lab, web1!.name, 'ls -la --time-style=+%s /etc; dpkg -l | wc -l')).toBe(before);
      expect(await inHost(lab, web1!.name, 'test -e /etc/haproxy && echo present || echo absent')).toBe('absent\n');

      // The same on the terminal-less line view: the recap names it too.
      const text = await haforge(['run', 'haproxy-config', '-i', inv], { env: STATS_ENV });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('requires the haproxy package: the haproxy package is missing: run recipe "haproxy-install" first, or add --with-deps');
    });
  });

  test('--with-deps plans the prerequisites; --limit globs; a pattern matching nothing is an error', async () => {
    await onEach(labs, async (lab) => {
      const deps = await haforge(['run', 'haproxy-config', '--with-deps', '--dry-run', '-i', lab.files.inventory, '--json'], { env: STATS_ENV });
      expect(deps.code, summary(deps)).toBe(0);
      const planned = [...new Set(deps.report!.results.map((x) => x.recipe))];
      expect(planned).toEqual(expect.arrayContaining(['system-update', 'haproxy-install', 'haproxy-config']));
      expect(planned).not.toContain('verify');
      expect(deps.report!.results.some((x) => x.step.startsWith('requires '))).toBe(false); // deps run, so not probed

      const webs = await haforge(['run', 'apache-install', '--limit', 'web*', '-i', lab.files.inventory, '--json']);
      expect(webs.code, summary(webs)).toBe(0);
      expect(webs.report!.hosts.map((h) => h.host).sort()).toEqual(websOf(lab).map((w) => w.name).sort());
      expect(webs.report!.results.every((x) => x.recipe === 'apache-install' && x.status === 'ok')).toBe(true);

      const none = await haforge(['run', 'apache-install', '--limit', 'db*', '-i', lab.files.inventory]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('--limit: "db*" matches no host or group.');
    });
  });

  test('--keep-connections: the connections outlive the run and serve the next one; `haforge keeper stop` closes them', async () => {
    await onEach(labs, async (lab) => {
      // A keeper of this test's own (its socket under its own runtime folder).
      const runtime = join(tmp.dir, `run-${lab.name}`);
      mkdirSync(runtime, { mode: 0o700 });
      const env = { ...STATS_ENV, XDG_RUNTIME_DIR: runtime };
      const lb = lbOf(lab).name;
      // sshd's session processes on the LB (sshd-session since OpenSSH 9.8: trixie), read from inside the host (not over SSH, which would add one).
      const sessions = async () => (await inHost(lab, lb, "ps -o pid=,args= -e | grep -E '[s]shd(-session)?: root@notty' | awk '{print $1}'")).trim().split('\n').filter(Boolean);
      const before = await sessions();
      try {
        const first = await haforge(['up', '-i', lab.files.inventory, '--keep-connections', '60', '--json'], { env });
        expect(first.code, summary(first)).toBe(0);
        const kept = (await sessions()).filter((p) => !before.includes(p));
        expect(kept, 'one session kept on the LB after the run ended').toHaveLength(1);
        const second = await haforge(['up', '-i', lab.files.inventory, '--keep-connections', '60', '--json'], { env });
        expect(second.code, summary(second)).toBe(0);
        expect(second.report!.results.filter((r) => r.status === 'changed')).toEqual([]);
        expect((await sessions()).filter((p) => !before.includes(p)), 'the same session, no other left').toEqual(kept);
      } finally {
        const stop = await haforge(['keeper', 'stop'], { env });
        expect(stop.stdout).toBe('kept connections closed\n');
      }
      await expect.poll(async () => (await sessions()).filter((p) => !before.includes(p)), { timeout: 5000 }).toEqual([]);
    });
  });

});
