// The wizard's flow with scripted answers (the terminal itself is driven in test/e2e/cli-wizard.test.ts):
// a wrong answer is refused by the same check the terminal runs and asked again; the run it starts gets the
// same options and inventory as the unattended command it prints; the saved inventory holds no secret.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseCli } from '../../runner/cli/args.js';
import type { PlanRequest } from '../../runner/cli/run-plan.js';
import { loadInventory } from '../../runner/inventory/index.js';
import type { Asker, Choice, Validator } from '../../runner/wizard/ask.js';
import { runWizard } from '../../runner/wizard/wizard.js';
import * as catalogue from '../../recipes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'haforge-wizflow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = join(dir, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
const keyFile = join(home, '.ssh', 'id_ed25519');
writeFileSync(keyFile, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });

const SUDO = 'sudo-Pw-never-shown';
const STATS = 'stats-Pw-never-shown';

/** Answers in order; an answer a validator refuses is recorded with its reason and the next one is used. */
function scripted(answers: (string | boolean)[]): Asker & { said: string[]; refused: { message: string; answer: string; reason: string }[]; asked: string[] } {
  const queue = [...answers];
  const said: string[] = [];
  const refused: { message: string; answer: string; reason: string }[] = [];
  const asked: string[] = [];
  const next = (message: string) => {
    if (queue.length === 0) throw new Error(`no scripted answer left for "${message}"`);
    return queue.shift()!;
  };
  const textLike = async (q: { message: string; initial?: string; validate?: Validator }) => {
    asked.push(q.message);
    for (;;) {
      let answer = String(next(q.message));
      if (answer === '' && q.initial !== undefined) answer = q.initial; // Enter takes the initial value
      const ok = q.validate ? await q.validate(answer) : true;
      if (ok === true) return answer.trim();
      refused.push({ message: q.message, answer, reason: ok });
    }
  };
  return {
    said,
    refused,
    asked,
    text: textLike,
    secret: textLike,
    async confirm(q) {
      asked.push(q.message);
      const a = next(q.message);
      return a === '' ? q.initial : Boolean(a);
    },
    async select<T extends string>(q: { message: string; choices: Choice<T>[]; initial?: T; validate?: (v: T) => true | string }) {
      asked.push(q.message);
      for (;;) {
        const a = next(q.message);
        const v = (a === '' ? (q.initial ?? q.choices[0]!.value) : a) as T;
        if (!q.choices.some((c) => c.value === v)) throw new Error(`"${v}" is not a choice of "${q.message}"`);
        const ok = q.validate ? q.validate(v) : true;
        if (ok === true) return v;
        refused.push({ message: q.message, answer: v, reason: ok });
      }
    },
    say: (line) => said.push(line),
  };
}

const cliOptions = () => parseCli(['wizard'], catalogue.options, catalogue.secrets).options;

describe('wizard flow', () => {
  test('built inventory, a wrong address re-asked, run with the answers, saved without secrets, command reproduces the options', async () => {
    const saveAs = join(dir, 'saved.yaml');
    const a = scripted([
      'build',
      '192.0.2.300', // refused: not an address
      '192.0.2.10',
      '192.0.2.11',
      '192.0.2.10', // refused: the LB is not a web node too
      '192.0.2.12:2222',
      '', // done with web nodes
      'admin',
      'agent', // refused: no ssh-agent in this environment
      'key',
      '/nonexistent/id', // refused: no such file
      keyFile,
      SUDO,
      'distro',
      'cookie-insert',
      true, // keep-alive
      false, // https
      false, // php
      '', // stats user: admin
      'type',
      'short', // refused: too short
      STATS,
      'typo-in-confirmation',
      STATS, // the pair is asked again
      STATS,
      true, // run now
      true, // save
      saveAs,
    ]);
    const runs: PlanRequest[] = [];
    const code = await runWizard(catalogue, cliOptions(), {
      asker: a,
      ask: {},
      env: { PATH: process.env.PATH },
      home,
      argv1: '/opt/haforge/bin/haforge.mjs',
      run: async (req) => {
        runs.push(req);
        return 0;
      },
    });
    expect(code).toBe(0);
    expect(a.refused.map((r) => r.reason)).toEqual([
      '"192.0.2.300" is not an IP address or a DNS name (IPv4 is four numbers 0-255, like 192.0.2.10)',
      '192.0.2.10 is already in this setup; each host once (the LB cannot also be a web node)',
      'no ssh-agent here (SSH_AUTH_SOCK is not set); start one and ssh-add, or pick another',
      'no such file: /nonexistent/id',
      'too short: at least 8 characters',
    ]);
    expect(a.said).toContain('  The two entries differ; once more.');

    // The run: `up` with the answers as options, the built inventory, the secrets by their variables.
    expect(runs).toHaveLength(1);
    const req = runs[0]!;
    expect(req.command).toBe('up');
    expect(req.options.vars).toEqual({
      haproxy_source: 'distro', persistence: 'cookie-insert', keep_alive: true, https: false, php: false, stats_user: 'admin',
    });
    expect(req.env?.['HAFORGE_SUDO_PASSWORD']).toBe(SUDO);
    expect(req.env?.['HAFORGE_STATS_PASSWORD']).toBe(STATS);
    const hosts = req.inventory!.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: h.user, sudo: h.sudo, groups: h.groups, auth: h.auth }));
    expect(hosts).toEqual([
      { name: 'lb1', address: '192.0.2.10', port: 22, user: 'admin', sudo: true, groups: ['lb'], auth: { kind: 'key', keyFile } },
      { name: 'web1', address: '192.0.2.11', port: 22, user: 'admin', sudo: true, groups: ['web'], auth: { kind: 'key', keyFile } },
      { name: 'web2', address: '192.0.2.12', port: 2222, user: 'admin', sudo: true, groups: ['web'], auth: { kind: 'key', keyFile } },
    ]);

    // Saved: no secret, the same hosts when loaded as a file.
    const saved = readFileSync(saveAs, 'utf8');
    expect(saved).not.toContain(SUDO);
    expect(saved).not.toContain(STATS);
    expect(saved).toContain('sudo_password_env: HAFORGE_SUDO_PASSWORD');
    const loaded = loadInventory(saveAs, { home });
    expect(loaded.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: h.user, sudo: h.sudo, groups: h.groups, auth: h.auth }))).toEqual(hosts);

    // The printed command: `up -i SAVED` with every answer as a flag and --yes; parsed by the real CLI parser
    // it gives the very options the wizard's run got.
    const line = a.said.find((l) => l.includes(' up -i '))!;
    expect(line.trim()).toBe(
      `node /opt/haforge/bin/haforge.mjs up -i ${saveAs} --persistence cookie-insert --keep-alive --no-https --no-php --stats-user admin --haproxy-source distro --yes`,
    );
    const argv = line.trim().split(/\s+/).slice(2);
    const parsed = parseCli(argv, catalogue.options, catalogue.secrets);
    expect(parsed.command).toBe('up');
    expect(parsed.options.inventory).toBe(saveAs);
    expect(parsed.options.yes).toBe(true);
    expect(parsed.options.vars).toEqual(req.options.vars);
    // The variables an unattended run needs are named, never their values.
    expect(a.said.join('\n')).toMatch(/HAFORGE_SUDO_PASSWORD\s+sudo password of admin/);
    expect(a.said.join('\n')).toMatch(/HAFORGE_STATS_PASSWORD\s+the stats page password/);
    expect(a.said.join('\n')).not.toContain(SUDO);
    expect(a.said.join('\n')).not.toContain(STATS);
    const plain = a.said.join('\n').replace(/\u001b\[\d+m/g, '');
    expect(plain).toMatch(/Site: +http:\/\/192\.0\.2\.10\/\n/);
    expect(plain).toMatch(/Stats page: +http:\/\/192\.0\.2\.10\/stats {2}\(user admin\)/);
  });

  test('an existing inventory file: bad files re-asked with the reason, its vars are the initial answers; a generated password is shown once', async () => {
    const inv = join(dir, 'prod.yaml');
    writeFileSync(
      inv,
      `vars:\n  persistence: source\n  https: true\nssh:\n  key: ${keyFile}\n  known_hosts: ${join(dir, 'kh')}\ngroups:\n  lb:\n    hosts:\n      lb1: { address: 192.0.2.20 }\n  web:\n    hosts:\n      web1: { address: 192.0.2.21 }\n`,
    );
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'groups:\n  lb:\n    hosts:\n      lb1: { address: 192.0.2.20, port: eighty }\n');
    const a = scripted([
      'file',
      join(dir, 'missing.yaml'),
      broken,
      inv,
      'haproxy.debian.net',
      'latest', // refused
      '3.2',
      '', // persistence: the inventory's (source)
      false, // keep-alive
      '', // https: the inventory's (on)
      join(dir, 'nocert.pem'), // refused by the recipes' preflight
      '', // self-signed
      false, // php
      'stats',
      'generate',
      false, // do not run
    ]);
    const runs: PlanRequest[] = [];
    const code = await runWizard(catalogue, cliOptions(), { asker: a, ask: {}, env: {}, home, argv1: '/usr/bin/haforge', run: async (r) => (runs.push(r), 0) });
    expect(code).toBe(0);
    expect(runs).toHaveLength(0);
    expect(a.refused.map((r) => r.reason)).toEqual([
      `${join(dir, 'missing.yaml')}: file not found`,
      `${broken}: groups.lb.hosts.lb1.port: expected an integer 1-65535, found "eighty"`,
      'expected a HAProxy branch such as 3.2 (or a release such as 3.0.11), found "latest"',
      `https_cert ${join(dir, 'nocert.pem')}: cannot read the file`,
    ]);
    expect(a.said).toContain('Nothing was run.');
    const shown = a.said.find((l) => l.startsWith('  Stats password: '))!;
    const password = shown.slice('  Stats password: '.length);
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(a.said.filter((l) => l.includes(password))).toHaveLength(1);
    const line = a.said.find((l) => l.includes(' up -i '))!;
    expect(line.trim()).toBe(
      `haforge up -i ${inv} --persistence source --no-keep-alive --https --no-php --stats-user stats --haproxy-source haproxy.debian.net --haproxy-version 3.2 --yes`,
    );
    expect(a.said.join('\n')).toContain('https://192.0.2.20/stats');
  });
});

describe('the unattended command', () => {
  test('--limit and --dry-run given to the wizard are part of it; paths and values are shell-quoted', async () => {
    const { unattendedCommand, haforgeCommand } = await import('../../runner/wizard/unattended.js');
    const cmd = unattendedCommand({
      inventoryFile: '/srv/my setup/haforge.yaml',
      // A value with a quote that a pattern allows (a path): stats_user "o'brien" is now refused by its pattern.
      vars: { persistence: 'source', https: true, https_cert: "/srv/o'brien/site.pem" },
      options: catalogue.options,
      argv1: '/usr/local/bin/haforge',
      limit: ['lb', 'web*'],
      dryRun: true,
    });
    expect(cmd).toBe(`haforge up -i '/srv/my setup/haforge.yaml' --limit 'lb,web*' --dry-run --persistence source --https --https-cert '/srv/o'\\''brien/site.pem' --yes`);
    const parsed = parseCli(['up', '-i', '/srv/my setup/haforge.yaml', '--limit', 'lb,web*', '--dry-run', '--persistence', 'source', '--https', '--https-cert', "/srv/o'brien/site.pem", '--yes'], catalogue.options, catalogue.secrets);
    expect(parsed.options.vars).toEqual({ persistence: 'source', https: true, https_cert: "/srv/o'brien/site.pem" });
    expect(haforgeCommand('/work/main/bin/haforge.mjs')).toBe('node /work/main/bin/haforge.mjs');
  });
});
