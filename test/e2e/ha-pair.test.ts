// The HA pair (issue 16) on labs of its own with two LBs and a VIP (Debian 12 and 13, systemd): after `up`
// exactly one LB holds the VIP and the site answers on it; a second `up` changes nothing and the VIP stays;
// haproxy stopped on the master moves the VIP to the backup, and it does not move back when haproxy returns
// (nopreempt). Counts and states, never timings (waits are bounded polls).
import { afterAll, describe, expect, test } from 'vitest';
import { labDown, labUp, type LabInfo } from '../../runner/lab/index.js';
import { labVip } from '../../runner/lab/inventory.js';
import { httpGet } from '../../recipes/lib/http.js';
import { closeSsh, e2eLabs, onEach, ownLabName, sshRun, up } from '../support/e2e-lab.js';
import { withStatus } from '../support/haforge-cli.js';

const { labs: shared, skip } = e2eLabs();
const suites = [...new Set(shared.map((l) => l.suite))];
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
});
