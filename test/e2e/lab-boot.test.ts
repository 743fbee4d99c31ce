// A systemd lab host whose boot goes wrong (units planted in every host's root before it boots): degraded is
// reported with the failed unit, a boot that does not finish fails naming the units, and nothing is left.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { labDown, labTraces, labUp } from '../../runner/lab/index.js';

const skip = inject('labSkip');

/** systemd hosts whose boot goes wrong: units planted in every host's root before it boots. */
describe.skipIf(!!skip)('a systemd host whose boot goes wrong', () => {
  const NAME = `${process.env.HAFORGE_E2E_PREFIX || 'hfe2e'}bt`;
  const unit = (name: string, exec: string, type = 'simple') => (root: string) => {
    const dir = path.join(root, 'etc/systemd/system');
    writeFileSync(path.join(dir, name), `[Unit]\nDescription=${name} (test)\n[Service]\nType=${type}\nExecStart=${exec}\n`);
    mkdirSync(path.join(dir, 'multi-user.target.wants'), { recursive: true });
    symlinkSync(`../${name}`, path.join(dir, 'multi-user.target.wants', name));
  };
  afterAll(async () => {
    await labDown(NAME).catch(() => {});
  });

  test('a failed unit: up succeeds, the host is reported degraded with the unit named', async () => {
    const log: string[] = [];
    const lab = await labUp({ name: NAME, web: 1, beforeBoot: unit('hfbroken.service', '/bin/false'), log: (l) => log.push(l) });
    expect(lab.hosts.length).toBe(2);
    expect(log.join('\n')).toMatch(/host lb1 is degraded: failed units hfbroken\.service/);
    expect(await labDown(NAME)).toBe(true);
    expect(await labTraces(NAME)).toEqual([]);
  });

  test('a boot that does not finish in time: up fails naming the failed and the waiting units, nothing is left', async () => {
    const plant = (root: string) => {
      unit('hfbroken.service', '/bin/false')(root);
      unit('hfslow.service', '/bin/sleep 600', 'oneshot')(root);
    };
    const err = await labUp({ name: NAME, web: 1, bootLimitS: 6, beforeBoot: plant }).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/did not finish booting within 6 s; failed units: hfbroken\.service; still starting: .*hfslow\.service/);
    expect(await labTraces(NAME)).toEqual([]);
  });
});
