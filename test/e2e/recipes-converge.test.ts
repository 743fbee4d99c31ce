// Issue 4, end to end on the lab, Debian 12 (HAProxy 2.6) and 13 (HAProxy 3.0) at once:
//  - fresh hosts, then `haforge up`: every recipe on its role, verify passes, and the test's own HTTP client
//    sees both web nodes UP on the stats page (and the login enforced); a second `up` changes nothing;
//  - haproxy-enable: a host whose /etc/default/haproxy (and init script) says ENABLED=0 gets ENABLED=1, reported
//    changed and nothing else in the file touched; a stock host is ok and untouched;
//  - Apache stopped on web1: `haforge verify` and its recap report web1 DOWN (exit 1); started again: green.
//
// "Fresh" is taken literally: other files share the global labs and may already have run haforge on them, so
// when they are not pristine this file brings up fresh labs of its own for the first test (and removes them).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labDown, labExec, labTraces, labUp, type LabInfo } from '../../runner/lab/index.js';
import {
  CONFIG,
  HAPROXY_BRANCH,
  STATS_ENV,
  STATS_PASSWORD,
  STATS_USER,
  checkConfigClean,
  cli,
  closeSsh,
  configHash,
  convergeDefault,
  e2eLabs,
  haproxyPids,
  inHost,
  installedBranch,
  lbOf,
  onEach,
  ownLabName,
  sshRun,
  tag,
  up,
  websOf,
} from '../support/e2e-lab.js';
import { haforge, summary, withStatus } from '../support/haforge-cli.js';
import { nodesOf, request, statsDiagnostics, waitForStates } from '../support/lb-http.js';

const { labs, skip } = e2eLabs();
const AUTH = { user: STATS_USER, password: STATS_PASSWORD };
const privateLabs: string[] = [];
const log = (line: string) => process.stderr.write(`[recipes e2e] ${line}\n`);

const http = (lab: LabInfo) => `http://${lbOf(lab).address}`;
const webNames = (lab: LabInfo) => websOf(lab).map((w) => w.name).sort();

/** No haforge run and no haproxy or apache on any host yet (the stamp is system-update's). */
async function pristine(lab: LabInfo): Promise<boolean> {
  const probes = await Promise.all(
    lab.hosts.map((h) =>
      labExec(lab, h.name, 'test ! -e /var/lib/apt/haforge-update-stamp && ! dpkg -s haproxy >/dev/null 2>&1 && ! dpkg -s apache2 >/dev/null 2>&1 && ! (ss -Hltn "( sport = :80 )" 2>/dev/null | grep -q .)', {
        timeoutMs: 30_000,
      }),
    ),
  );
  return probes.every((p) => p.code === 0);
}

/** The shared lab when pristine, else a new lab of the same suite for this file alone. */
async function freshLab(shared: LabInfo): Promise<LabInfo> {
  if (await pristine(shared)) {
    log(`${shared.name}: pristine, the fresh-host test uses it`);
    return shared;
  }
  const name = ownLabName(shared.suite === 'bookworm' ? 'f2' : 'f3');
  log(`${shared.name} already has haforge's work on it: bringing up fresh lab ${name} (${shared.suite})`);
  privateLabs.push(name);
  await labDown(name); // a leftover of an earlier, interrupted run is not fresh
  return labUp({ name, suite: shared.suite, init: shared.init, log: (l) => log(`${name}: ${l}`) });
}

describe.skipIf(Boolean(skip))('recipes e2e: converge, haproxy-enable, a web node down (bookworm and trixie)', () => {
  afterAll(async () => {
    try {
      // Leave the shared labs converged on the default variant with apache running everywhere.
      await onEach(labs, async (lab) => {
        await Promise.all(websOf(lab).map((w) => labExec(lab, w.name, 'service apache2 start >/dev/null 2>&1; true')));
        await up(lab);
      });
    } finally {
      await closeSsh();
      for (const name of privateLabs) {
        await closeSsh(name);
        await labDown(name).catch((e: unknown) => log(`lab down ${name}: ${(e as Error).message}`));
        const left = await labTraces(name);
        if (left.length) log(`lab ${name} left ${left.join(', ')}`);
      }
    }
  });

  test('fresh hosts: up converges, verify passes, the stats page shows every web node UP; a second up changes nothing', async () => {
    await onEach(labs, async (shared) => {
      const lab = await freshLab(shared);
      const lb = lbOf(lab).name;
      const first = await up(lab);
      log(`${tag(lab)}: first up ${(first.durationMs / 1000).toFixed(1)} s`);

      // Every recipe of `up` ran on its role, and did the work.
      const ran = (host: string) => [...new Set(first.results.filter((r) => r.host === host).map((r) => r.recipe))];
      expect(ran(lb)).toEqual(['system-update', 'haproxy-repo', 'haproxy-install', 'haproxy-enable', 'haproxy-config', 'haproxy-service', 'verify']);
      for (const w of webNames(lab)) expect(ran(w)).toEqual(['system-update', 'apache-install']);
      const changed = withStatus(first, 'changed');
      expect(changed).toContain(`${lb} haproxy-install › haproxy installed`);
      expect(changed).toContain(`${lb} haproxy-config › config ${CONFIG} (HAProxy ${HAPROXY_BRANCH[lab.suite]})`);
      for (const w of webNames(lab)) expect(changed).toContain(`${w} apache-install › apache2 installed`);
      const verify = first.results.filter((r) => r.recipe === 'verify');
      expect(verify.map((r) => `${r.step}: ${r.status}`)).toEqual([
        'stats page refuses requests without credentials: ok',
        'stats page shows every web node UP: ok',
        'requests reach every UP web node: ok',
      ]);
      expect(await installedBranch(lab)).toBe(HAPROXY_BRANCH[lab.suite]);

      // The test's own look through the balancer.
      const states = await waitForStates(http(lab), AUTH, (s) => webNames(lab).every((n) => s.get(n) === 'UP'), 'every web node UP');
      expect([...states.keys()].sort()).toEqual(webNames(lab));
      expect((await request(`${http(lab)}/stats;csv`)).status, 'no credentials').toBe(401);
      expect((await request(`${http(lab)}/stats;csv`, { auth: { user: STATS_USER, password: 'wrong' } })).status, 'wrong password').toBe(401);
      const cfg = await sshRun(lab, lb, `cat ${CONFIG}; stat -c '%a %U %G' ${CONFIG}`);
      expect(cfg, 'hashed login, never clear text').toMatch(/^\s+user admin password \$6\$/m);
      expect(cfg).not.toContain(STATS_PASSWORD);
      expect(cfg.trim().split('\n').pop()).toBe('640 root haproxy');
      expect(new Set(await nodesOf(`${http(lab)}/`, 4))).toEqual(new Set(webNames(lab)));
      await checkConfigClean(lab);

      // Second run: nothing to do, no reload.
      const hash = await configHash(lab);
      const pids = await haproxyPids(lab);
      const second = await up(lab);
      log(`${tag(lab)}: second up ${(second.durationMs / 1000).toFixed(1)} s`);
      expect(withStatus(second, 'changed'), 'second up').toEqual([]);
      for (const h of second.hosts) expect(h.counts, h.host).toMatchObject({ changed: 0, failed: 0 });
      expect(await configHash(lab)).toBe(hash);
      expect(await haproxyPids(lab)).toEqual(pids);
    });
    // Done with the private labs: free them now rather than at the end of the file.
    for (const name of privateLabs.splice(0)) {
      await closeSsh(name);
      await labDown(name);
    }
  });

  describe('on the shared labs', () => {
    beforeAll(async () => {
      await onEach(labs, (lab) => convergeDefault(lab));
    });

    test('haproxy-enable: ENABLED=0 becomes 1 (changed, nothing else touched); a stock host is ok and untouched', async () => {
      const files = ['/etc/default/haproxy', '/etc/init.d/haproxy'];
      await onEach(labs, async (lab) => {
        const lb = lbOf(lab).name;
        const stat = (f: string) => sshRun(lab, lb, `stat -c '%a %U %G %Y' ${f}`);
        const original = await Promise.all(files.map((f) => sshRun(lab, lb, `cat ${f}`)));
        const stats = await Promise.all(files.map(stat));
        // Current Debian: no ENABLED line at all. The recipe is ok and touches nothing.
        for (const text of original) expect(text).not.toMatch(/^ENABLED=/m);
        const stock = await cli(lab, ['run', 'haproxy-enable'], ['--limit', 'lb']);
        expect(stock.code, summary(stock)).toBe(0);
        expect(withStatus(stock.report!, 'changed')).toEqual([]);
        expect(stock.report!.results.filter((r) => r.step.startsWith('ENABLED=1')).map((r) => r.status)).toEqual(['ok', 'ok']);
        expect(await Promise.all(files.map(stat)), 'untouched (mode, owner, mtime)').toEqual(stats);

        // The tutorial's host: ENABLED=0 in both files (kept aside and put back whatever happens).
        await sshRun(lab, lb, files.map((f) => `cp -p ${f} ${f}.e2e-orig`).join(' && '));
        try {
          await sshRun(lab, lb, `printf 'ENABLED=0\\n' >> ${files[0]} && sed -i '1a ENABLED=0' ${files[1]}`);
          const run = await cli(lab, ['run', 'haproxy-enable'], ['--limit', 'lb']);
          expect(run.code, summary(run)).toBe(0);
          expect(withStatus(run.report!, 'changed').sort()).toEqual(files.map((f) => `${lb} haproxy-enable › ENABLED=1 in ${f}`).sort());
          // Exactly that line changed, byte for byte; modes and owners kept.
          expect(await sshRun(lab, lb, `cat ${files[0]}`)).toBe(`${original[0]}ENABLED=1\n`);
          const init = original[1]!.split('\n');
          init.splice(1, 0, 'ENABLED=1');
          expect(await sshRun(lab, lb, `cat ${files[1]}`)).toBe(init.join('\n'));
          expect((await Promise.all(files.map(stat))).map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual(stats.map((s) => s.split(' ').slice(0, 3).join(' ')));
          const again = await cli(lab, ['run', 'haproxy-enable'], ['--limit', 'lb']);
          expect(withStatus(again.report!, 'changed'), 'ENABLED=1 already').toEqual([]);
        } finally {
          await sshRun(lab, lb, files.map((f) => `mv -f ${f}.e2e-orig ${f}`).join(' && '));
        }
        expect(await Promise.all(files.map((f) => sshRun(lab, lb, `cat ${f}`)))).toEqual(original);
      });
    });

    test('apache stopped on web1: verify and its recap report web1 DOWN (exit 1); started again: green', async () => {
      await onEach(labs, async (lab) => {
        const [web1, ...others] = webNames(lab) as [string, ...string[]];
        try {
          await inHost(lab, web1, 'service apache2 stop');
          // The test's own view first: web1 DOWN on the stats page, the others UP and serving every request.
          await waitForStates(http(lab), AUTH, (s) => s.get(web1) === 'DOWN' && others.every((o) => s.get(o) === 'UP'), `${web1} DOWN, the others UP`);
          expect(new Set(await nodesOf(`${http(lab)}/`, 4))).toEqual(new Set(others));

          const [json, text] = await Promise.all([
            cli(lab, ['verify']),
            haforge(['verify', '-i', lab.files.inventory], { env: STATS_ENV }),
          ]);
          expect(json.code, summary(json)).toBe(1);
          expect(json.report!.exitCode).toBe(1);
          const failed = json.report!.results.filter((r) => r.status === 'failed');
          expect(failed.map((r) => `${r.host} ${r.step}`)).toEqual([`${lbOf(lab).name} stats page shows every web node UP`]);
          expect(failed[0]!.message).toContain(`${web1} DOWN`);
          expect(failed[0]!.message).not.toMatch(new RegExp(`${others.join('|')}`));
          expect(text.code).toBe(1);
          const recap = text.stdout.slice(text.stdout.indexOf('RECAP'));
          expect(text.stdout, 'the text output has a recap').toContain('RECAP');
          expect(recap).toContain(`${web1} DOWN`);

          // haforge starts it again, and only it.
          const start = await cli(lab, ['run', 'apache-install', '-l', web1]);
          expect(start.code, summary(start)).toBe(0);
          expect(withStatus(start.report!, 'changed')).toEqual([`${web1} apache-install › service apache2 running and enabled`]);
          const again = await cli(lab, ['run', 'apache-install', '-l', web1]);
          expect(withStatus(again.report!, 'changed'), 'running now').toEqual([]);
        } finally {
          await inHost(lab, web1, 'service apache2 start');
        }
        await waitForStates(http(lab), AUTH, (s) => webNames(lab).every((n) => s.get(n) === 'UP'), 'every web node UP again');
        const green = await cli(lab, ['verify']);
        expect(green.code, `${summary(green)}\nstats now:\n${await statsDiagnostics(http(lab), AUTH)}`).toBe(0);
        expect(withStatus(green.report!, 'failed')).toEqual([]);
        expect(new Set(await nodesOf(`${http(lab)}/`, 4))).toEqual(new Set(webNames(lab)));
      });
    });
  });
});
