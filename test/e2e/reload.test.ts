// Issue 17, items 1 and 4, on the lab, Debian 12 (HAProxy 2.6) and 13 (HAProxy 3.0) at once: with two loads
// running through the balancer (a new connection per request, and 50 kept-alive connections), `up` applies a web
// node added, one removed, the persistence switched and keep-alive toggled. Membership changes go through the
// runtime API (the plan says so, and no new haproxy process appears); the others reload with the listeners
// handed over. Every change: 0 failed requests, 0 resets, for both kinds. Counts only, never timings.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { closeSsh, cli, e2eLabs, haproxyPids, lbOf, onEach, scratch, sshRun, up } from '../support/e2e-lab.js';
import { expectSuccess, type Report } from '../support/haforge-cli.js';
import { nodesOf } from '../support/lb-http.js';
import { startLoad, type LoadCounts } from '../support/load-gen.js';

const { labs, skip } = e2eLabs();
const KA = { keep_alive: true };
let dir: Awaited<ReturnType<typeof scratch>> | undefined;

interface Doc {
  vars?: Record<string, unknown>;
  groups: Record<string, { hosts: Record<string, unknown> }>;
}

/** The lab's inventory with only these web nodes and these vars (the lab's own file is left alone). */
async function inventory(lab: LabInfo, name: string, webs: string[], vars: Record<string, unknown> = {}): Promise<string> {
  const doc = parse(await readFile(lab.files.inventory, 'utf8')) as Doc;
  const web = doc.groups['web']!.hosts;
  for (const h of Object.keys(web)) if (!webs.includes(h)) delete web[h];
  doc.vars = { ...doc.vars, ...vars };
  const file = path.join(dir!.dir, `${lab.name}-${name}.yaml`);
  await writeFile(file, stringify(doc));
  return file;
}

const configStep = (r: Report) => r.results.find((x) => x.recipe === 'haproxy-config' && x.step.startsWith('config '));
const site = (lab: LabInfo) => `http://${lbOf(lab).address}/`;

/** One change applied by `up` while both loads run; the counts of each load over that change. */
async function underLoad(lab: LabInfo, file: string): Promise<{ report: Report; counts: LoadCounts[] }> {
  const loads = [startLoad(site(lab), 'fresh'), startLoad(site(lab), 'keepalive', { workers: 50 })];
  // Load flowing before the change and after it (the old process's connections end after the run returns).
  await new Promise((r) => setTimeout(r, 1000));
  const report = await up(lab, [], file);
  await new Promise((r) => setTimeout(r, 3000));
  const counts = await Promise.all(loads.map((l) => l.stop()));
  return { report, counts };
}

function expectClean(what: string, counts: LoadCounts[]): void {
  for (const c of counts) {
    process.stderr.write(`[reload] ${what}: ${c.kind} ok=${c.ok} failed=${c.failed} resets=${c.resets} ${c.samples.join(' | ')}\n`);
    expect(c.ok, `${what}: ${c.kind} requests were made`).toBeGreaterThan(0);
    expect({ failed: c.failed, resets: c.resets, samples: c.samples }, `${what}: ${c.kind}`).toEqual({ failed: 0, resets: 0, samples: [] });
  }
}

describe.skipIf(skip !== '')('up under load: no failed request, no reset (issue 17)', () => {
  beforeAll(async () => {
    dir = await scratch('reload');
    // Start from web1 only, keep-alive on (kept-alive client connections are what a reload can reset).
    await onEach(labs, async (lab) => up(lab, [], await inventory(lab, 'web1', ['web1'], KA)));
  }, 900_000);

  afterAll(async () => {
    // Back to the lab's own inventory for the next test file.
    await onEach(labs, (lab) => up(lab)).catch(() => undefined);
    await closeSsh();
    await dir?.remove();
  }, 900_000);

  test('a web node added: the dry run says runtime API, the new node is served only once healthy, no reload', async () => {
    await onEach(labs, async (lab) => {
      const file = await inventory(lab, 'web12', ['web1', 'web2'], KA);
      const plan = expectSuccess(await cli(lab, ['up'], ['--dry-run'], file)).results.find((x) => x.recipe === 'haproxy-config' && x.step.startsWith('config '));
      expect(plan?.message ?? '', 'the plan says the change goes live').toMatch(/applied live, no reload: add server web2/);
      const activate = plan?.actions?.find((a) => a.kind === 'write')?.['activate'] as { kind: string } | undefined;
      expect(activate?.kind).toBe('live');
      const pids = await haproxyPids(lab);
      const { report, counts } = await underLoad(lab, file);
      expect(configStep(report)?.message ?? '').toMatch(/applied live, no reload: add server web2/);
      expect(configStep(report)?.status).toBe('changed');
      expect(await haproxyPids(lab), 'no new haproxy process: no reload').toEqual(pids);
      expectClean('web node added', counts);
      expect(new Set(await nodesOf(site(lab), 8))).toEqual(new Set(['web1', 'web2']));
      // The file on disk says the same as the running process.
      expect(await sshRun(lab, 'lb1', "grep -c '^    server web' /etc/haproxy/haproxy.cfg")).toBe('2\n');
    });
  }, 900_000);

  test('a web node removed: drained, then deleted, no reload', async () => {
    await onEach(labs, async (lab) => {
      const pids = await haproxyPids(lab);
      const { report, counts } = await underLoad(lab, await inventory(lab, 'web2', ['web2'], KA));
      expect(configStep(report)?.message ?? '').toMatch(/applied live, no reload: drain and delete server web1/);
      expect(await haproxyPids(lab)).toEqual(pids);
      expectClean('web node removed', counts);
      expect(new Set(await nodesOf(site(lab), 6))).toEqual(new Set(['web2']));
      expect(await sshRun(lab, 'lb1', "echo 'show servers state cluster_web' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock | awk '{print $4}' | grep -c web || true")).toBe('1\n');
    });
  }, 900_000);

  test('persistence switched with keep-alive on, then keep-alive toggled off: seamless reloads', async () => {
    await onEach(labs, async (lab) => {
      const webs = ['web1', 'web2'];
      await up(lab, [], await inventory(lab, 'both', webs, KA));
      const cookie = await underLoad(lab, await inventory(lab, 'cookie', webs, { ...KA, persistence: 'cookie-insert' }));
      expect(configStep(cookie.report)?.status).toBe('changed');
      expect(configStep(cookie.report)?.message ?? '').not.toMatch(/applied live/);
      expectClean('persistence switched', cookie.counts);
      const ka = await underLoad(lab, await inventory(lab, 'noka', webs, { persistence: 'cookie-insert', keep_alive: false }));
      expect(configStep(ka.report)?.status).toBe('changed');
      expectClean('keep-alive toggled', ka.counts);
    });
  }, 900_000);
});
