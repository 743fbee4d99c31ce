// The cluster engine on two load balancers, Debian 12 and 13 (labs of this file's own: `lab up --lb 2 --web 2`;
// the shared e2e labs have one LB, and other files rely on that):
//  - a dry run on the fresh hosts writes nothing and the first up runs what it planned; up converges; verify passes on each LB; HTTP through each LB reaches both web nodes, and each LB's stats page
//    shows both UP; a second up changes nothing;
//  - read-only checks, proved: a snapshot of every host (every path's metadata, hashes of /etc, /var/lib, ...;
//    test/support/host-snapshot.ts) before and after a dry run and after a no-op up: nothing differs. The snapshot
//    itself is shown to see a write (a touched mtime, a new file) so that this cannot pass by seeing nothing;
//  - `haforge demo` on the Debian 12 lab: prints each site URL, stats URL and the password file, the site and the
//    stats page answer there; a second demo reuses the lab and changes nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labDown, labUp, type LabInfo } from '../../runner/lab/index.js';
import { closeSsh, cli, inHost, onEach, ownLabName, STATS_PASSWORD, STATS_USER, scratch, up, websOf, e2eLabs } from '../support/e2e-lab.js';
import { expectSuccess, haforge, summary, type Report } from '../support/haforge-cli.js';
import { labDiff, snapshotLab } from '../support/host-snapshot.js';
import { provedUp } from '../support/plan-proof.js';
import { nodesOf, request, servedBy, waitForStates } from '../support/lb-http.js';

const { skip } = e2eLabs();
const SUITES = [
  { name: ownLabName('c2'), suite: 'bookworm' },
  { name: ownLabName('c3'), suite: 'trixie' },
] as const;
let labs: LabInfo[] = [];
let dir: Awaited<ReturnType<typeof scratch>> | undefined;

const lbsOf = (lab: LabInfo) => lab.hosts.filter((h) => h.group === 'lb');
const webNames = (lab: LabInfo) => new Set(websOf(lab).map((h) => h.name));
const changed = (r: Report) => r.hosts.reduce((n, h) => n + h.counts.changed, 0);
const auth = { user: STATS_USER, password: STATS_PASSWORD };
const log = (line: string) => process.stderr.write(`[cluster e2e] ${line}\n`);

describe.skipIf(Boolean(skip))('two load balancers (own labs, Debian 12 and 13)', () => {
  beforeAll(async () => {
    dir = await scratch('e2e-cluster');
    labs = await Promise.all(SUITES.map((s) => labUp({ ...s, lb: 2, web: 2, log: (l) => log(`${s.name}: ${l}`) })));
  });

  afterAll(async () => {
    await closeSsh();
    await dir?.remove();
    for (const s of SUITES) await labDown(s.name).catch((e: unknown) => log(`${s.name} down: ${(e as Error).message}`));
  });

  test('up converges, verify passes on both LBs, each LB serves both web nodes; a second up changes nothing', async () => {
    await onEach(labs, async (lab) => {
      // Fresh hosts first: a dry run that plans everything writes nothing, and the first up runs exactly what it
      // planned (on an LB only up to haproxy-config, where the dry run stops by design: that step's plan needs the
      // haproxy it has not installed).
      const fresh = await snapshotLab(lab);
      const between = async () => {
        const wrote = labDiff(fresh, await snapshotLab(lab));
        expect(wrote, `the dry run on fresh hosts wrote:\n${wrote.join('\n')}`).toEqual([]);
      };
      const { report: first, stoppedAt } = await provedUp(lab, dir!.dir, [], { fresh: true, between });
      log(`${lab.name}: first up proved against its dry run; the dry run stopped at ${stoppedAt.join(', ') || 'nothing'}`);
      for (const lb of lbsOf(lab)) {
        const verify = first.results.filter((r) => r.host === lb.name && r.recipe === 'verify');
        expect(verify.length, `${lb.name} ran verify`).toBeGreaterThan(0);
        expect(verify.filter((r) => r.status !== 'ok').map((r) => `${r.step}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
        const base = `http://${lb.address}`;
        await waitForStates(base, auth, (s) => [...webNames(lab)].every((n) => s.get(n) === 'UP'), `both web nodes UP on ${lb.name}`);
        expect(new Set(await nodesOf(`${base}/`, 6)), `HTTP through ${lb.name}`).toEqual(webNames(lab));
      }
      const second = await up(lab);
      expect(changed(second), JSON.stringify(second.results.filter((r) => r.status === 'changed'))).toBe(0);
      expect(second.hosts.map((h) => h.host).sort()).toEqual(lab.hosts.map((h) => h.name).sort());
      // A change on both LBs (persistence), and back: each up ran exactly its dry run's commands on every host.
      for (const flags of [['--persistence', 'cookie-insert'], []]) {
        const { report, planned } = await provedUp(lab, dir!.dir, flags);
        for (const lb of lbsOf(lab)) expect(report.results.some((r) => r.host === lb.name && r.recipe === 'haproxy-config' && r.status === 'changed'), `${lb.name}: up ${flags.join(' ')}`).toBe(true);
        expect(planned).toBeGreaterThan(0);
      }
    });
  });

  test('a dry run and a no-op up write nothing on any host (snapshots before and after are equal)', async () => {
    await onEach(labs, async (lab) => {
      const before = await snapshotLab(lab);
      const dry = await cli(lab, ['up'], ['--dry-run']);
      expect(dry.code, summary(dry)).toBe(0);
      expect(changed(dry.report!), 'the converged lab plans no change').toBe(0);
      const wroteDry = labDiff(before, await snapshotLab(lab));
      expect(wroteDry, `the dry run wrote:\n${wroteDry.join('\n')}`).toEqual([]);
      const noop = await up(lab);
      expect(changed(noop)).toBe(0);
      const wroteUp = labDiff(before, await snapshotLab(lab));
      expect(wroteUp, `the no-op up wrote:\n${wroteUp.join('\n')}`).toEqual([]);

      // The snapshot sees writes: a file's mtime alone, and a new file under /var/lib.
      const web = websOf(lab)[0]!.name;
      await inHost(lab, web, 'touch /etc/motd && : > /var/lib/haforge-snapshot-probe');
      try {
        const touched = labDiff(before, await snapshotLab(lab));
        expect(touched.some((l) => l.startsWith(`${web}: ~ /etc/motd:`)), touched.join('\n')).toBe(true);
        expect(touched).toContain(`${web}: + /var/lib/haforge-snapshot-probe`);
      } finally {
        await inHost(lab, web, 'rm -f /var/lib/haforge-snapshot-probe');
      }
    });
  });

  test('haforge demo prints the site, stats and password file; both answer; a second demo reuses the lab, 0 changed', async () => {
    const lab = labs[0]!;
    // No HAFORGE_STATS_PASSWORD: the demo uses the password file it keeps in the lab's state folder.
    const env = { HAFORGE_DEMO_LAB: lab.name, HAFORGE_STATS_PASSWORD: undefined };
    const first = await haforge(['demo'], { env });
    expect(first.code, summary(first)).toBe(0);
    const file = /the stats password is in (\S+) \(mode 0600\)/.exec(first.stdout)?.[1];
    expect(file, first.stdout).toBe(`${lab.stateDir}/stats-password`);
    const password = readFileSync(file!, 'utf8').trim();
    for (const lb of lbsOf(lab)) {
      const site = `http://${lb.address}/`;
      expect(first.stdout).toContain(`site   ${site}\n`);
      expect(first.stdout).toContain(`stats  ${site}stats (user admin)\n`);
      const page = await request(site);
      expect(page.status).toBe(200);
      expect(webNames(lab)).toContain(servedBy(page.body));
      expect((await request(`${site}stats`)).status, 'the stats page refuses anonymous requests').toBe(401);
      expect((await request(`${site}stats`, { auth: { user: 'admin', password } })).status).toBe(200);
    }
    const second = await haforge(['demo'], { env });
    expect(second.code, summary(second)).toBe(0);
    expect(second.stderr).toContain(`lab ${lab.name} is up`);
    expect(second.stdout).toMatch(/\bchanged=0\b/);
    expect(second.stdout).toContain(`site   http://${lbsOf(lab)[0]!.address}/\n`);
    // The other tests' password back, for anyone running more against this lab.
    expectSuccess(await cli(lab, ['up']));
  });
});
