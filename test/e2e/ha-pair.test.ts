// The HA pair (issue 16) on labs of its own with two LBs and a VIP (Debian 12 and 13, systemd): after `up`
// exactly one LB holds the VIP and the site answers on it; a second `up` changes nothing and the VIP stays;
// haproxy stopped on the master moves the VIP to the backup, and it does not move back when haproxy returns
// (nopreempt). Counts and states, never timings (waits are bounded polls).
import { afterAll, describe, expect, test } from 'vitest';
import { labDown, labUp, type LabInfo } from '../../runner/lab/index.js';
import { labVip } from '../../runner/lab/inventory.js';
import { httpGet } from '../../recipes/lib/http.js';
import { cli, closeSsh, e2eLabs, onEach, ownLabName, sshRun, up } from '../support/e2e-lab.js';
import { summary, withStatus, type CliRun } from '../support/haforge-cli.js';
import { labDiff, snapshotLab } from '../support/host-snapshot.js';

const { labs: shared, skip } = e2eLabs();
// HAFORGE_E2E_HA_SUITES=bookworm: one suite only (a loaded machine); default both.
const only = process.env.HAFORGE_E2E_HA_SUITES?.split(',');
const suites = [...new Set(shared.map((l) => l.suite))].filter((s) => !only || only.includes(s));
const made: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lbs = (lab: LabInfo) => lab.hosts.filter((h) => h.group === 'lb').map((h) => h.name);

/** The LBs that hold the VIP now. */
async function holders(lab: LabInfo): Promise<string[]> {
  const vip = labVip(lab)!;
  const held = await Promise.all(lbs(lab).map(async (n) => ((await sshRun(lab, n, `ip -4 -o addr show to ${vip}/32`)).trim() ? n : '')));
  return held.filter(Boolean);
}

/** Polls until exactly one LB other than `not` holds the VIP (at most 30 s); returns the holders last seen. */
async function settle(lab: LabInfo, not?: string): Promise<string[]> {
  let h: string[] = [];
  for (let i = 0; i < 60; i++) {
    h = await holders(lab);
    if (h.length === 1 && h[0] !== not) return h;
    await sleep(500);
  }
  return h;
}

async function siteOnVip(lab: LabInfo): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const status = await httpGet(`http://${labVip(lab)!}/`, { timeoutMs: 2000 }).then((r) => r.status, () => 0);
    if (status === 200) return status;
    await sleep(500);
  }
  return 0;
}

describe.skipIf(Boolean(skip) || suites.length === 0)('HA pair: two LBs, one VIP, keepalived (bookworm and trixie)', () => {
  const labs: LabInfo[] = [];
  afterAll(async () => {
    await closeSsh();
    if (process.env.HAFORGE_E2E_KEEP_HA !== '1') for (const name of made) await labDown(name).catch(() => undefined);
  });

  test('up: one VIP holder, the site on the VIP; again: 0 changed, the VIP stays; haproxy down moves it, back does not', async () => {
    for (const suite of suites) {
      const name = ownLabName(suite === 'bookworm' ? 'b' : 't');
      made.push(name);
      labs.push(await labUp({ name, suite, init: 'systemd', lb: 2, web: 2, log: () => undefined }));
    }
    await onEach(labs, async (lab) => {
      expect(labVip(lab)).toMatch(/\.250$/);
      await up(lab);
      const first = await settle(lab);
      expect(first, 'exactly one LB holds the VIP').toHaveLength(1);
      expect(await siteOnVip(lab), 'the site answers on the VIP').toBe(200);

      const again = await up(lab);
      expect(withStatus(again, 'changed'), 'second up').toEqual([]);
      expect(await holders(lab), 'the VIP did not move').toEqual(first);

      const [master] = first as [string];
      await sshRun(lab, master, 'systemctl stop haproxy');
      const moved = await settle(lab, master);
      expect(moved, 'the VIP moved to the backup').toEqual(lbs(lab).filter((n) => n !== master));
      expect(await siteOnVip(lab), 'the site answers on the VIP after the failover').toBe(200);

      await sshRun(lab, master, 'systemctl start haproxy');
      await sleep(8000); // several adverts and the track script's rise 2
      expect(await holders(lab), 'nopreempt: the VIP stays on the new master').toEqual(moved);
      // haforge puts the old master's haproxy back to its state, and nothing else changes.
      const third = await up(lab);
      expect(withStatus(third, 'changed')).toEqual([]);
      expect(await holders(lab)).toEqual(moved);
    });
  });

  test('status reads the pair and writes nothing; failover moves the VIP and is refused to an unhealthy backup; verify names split brain and no holder', async () => {
    expect(labs.length, 'the first test made the labs').toBe(suites.length);
    await onEach(labs, async (lab) => {
      const [master] = await settle(lab);
      const backup = lbs(lab).find((n) => n !== master)!;
      const msg = (run: CliRun, host: string, step: RegExp) => run.report?.results.find((r) => r.host === host && step.test(r.step))?.message ?? '';

      // status: read-only (every path's metadata and /etc, /var/lib hashes the same before and after).
      const before = await snapshotLab(lab);
      const status = await cli(lab, ['status']);
      expect(status.code, summary(status)).toBe(0);
      expect(labDiff(before, await snapshotLab(lab)), 'status wrote nothing').toEqual([]);
      expect(msg(status, master!, /VRRP role/)).toMatch(/^MASTER \(holds [\d.]+\), keepalived running, haproxy running$/);
      expect(msg(status, backup, /VRRP role/)).toBe('BACKUP, keepalived running, haproxy running');
      expect(msg(status, master!, /stats page/)).toBe('web1 UP, web2 UP');
      expect(status.report!.results.filter((r) => /the pair/.test(r.step)).map((r) => r.message)).toEqual([`${master} holds the VIP; ${lbs(lab).map((n) => `${n} ${n === master ? 'MASTER' : 'BACKUP'}`).join(', ')}`]);
      const unknown = await cli(lab, ['status', 'lb7']);
      expect([unknown.code, unknown.report?.error]).toEqual([2, expect.stringMatching(/^status lb7: not a load balancer of /)]);

      // failover refused while the backup's haproxy is down (the VIP stays), then done once it is back.
      await sshRun(lab, backup, 'systemctl stop haproxy');
      const refused = await cli(lab, ['failover']);
      expect(refused.code, summary(refused)).toBe(1);
      expect(refused.report!.results.find((r) => r.status === 'failed')?.message).toMatch(new RegExp(`^refused: ${backup} is FAULT, keepalived running, haproxy stopped; --force`));
      expect(await holders(lab), 'refused: the VIP did not move').toEqual([master]);
      await sshRun(lab, backup, 'systemctl start haproxy');
      await sleep(4000); // the track script's rise 2, and the stats page's health checks
      const moved = await cli(lab, ['failover']);
      expect(moved.code, summary(moved)).toBe(0);
      expect(msg(moved, master!, /held by/)).toMatch(new RegExp(`^${backup} holds the VIP and http://[\\d.]+:80/ answers, [\\d.]+ s after the move started$`));
      expect(await holders(lab)).toEqual([backup]);
      await sleep(5000);
      expect(await holders(lab), 'the old master came back as backup and stays so').toEqual([backup]);
      const again = await up(lab);
      expect(withStatus(again, 'changed'), 'up after a failover has nothing to put back').toEqual([]);

      // Split brain: the VIP added by hand on the backup too. verify fails naming both, in one line.
      const vip = labVip(lab)!;
      const dev = (await sshRun(lab, backup, `ip -4 -o addr show to ${vip}/32`)).trim().split(/\s+/)[1]!;
      await sshRun(lab, master!, `ip addr add ${vip}/24 dev ${dev}`);
      const split = await cli(lab, ['verify']);
      await sshRun(lab, master!, `ip addr del ${vip}/24 dev ${dev}`);
      expect(split.code, summary(split)).toBe(1);
      const why = split.report!.results.find((r) => r.status === 'failed' && /exactly one LB/.test(r.step))?.message ?? '';
      expect(why).toMatch(new RegExp(`^split brain: ${lbs(lab).join(' and ')} all hold the VIP ${vip.replace(/\./g, '\\.')} `));
      expect(why).not.toContain('\n');
      // None: keepalived stopped on both.
      await Promise.all(lbs(lab).map((n) => sshRun(lab, n, 'systemctl stop keepalived')));
      const none = await cli(lab, ['verify']);
      await Promise.all(lbs(lab).map((n) => sshRun(lab, n, 'systemctl start keepalived')));
      expect(none.code, summary(none)).toBe(1);
      expect(none.report!.results.find((r) => r.status === 'failed' && /exactly one LB/.test(r.step))?.message).toMatch(/^no LB holds the VIP /);
      expect(await settle(lab), 'one holder again').toHaveLength(1);
    });
  });
});
