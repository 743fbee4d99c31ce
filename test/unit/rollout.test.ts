// Rolling order: batches cut per group by serial (count or share), in run order; a batch over its group's
// max_fail_percentage (or a batch where every host failed) stops the rollout.
import { describe, expect, it } from 'vitest';
import { batchSize, batchesOf, stopReason } from '../../runner/engine/rollout.js';
import type { HostSpec } from '../../runner/inventory/types.js';

const host = (name: string, group: string): HostSpec =>
  ({ name, address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: [group], vars: {} }) as HostSpec;
const lbs = ['lb1', 'lb2', 'lb3'].map((n) => host(n, 'lb'));
const webs = ['web1', 'web2', 'web3', 'web4'].map((n) => host(n, 'web'));
const all = [...lbs, ...webs];
const names = (batches: { hosts: HostSpec[] }[]) => batches.map((b) => b.hosts.map((h) => h.name));

describe('batchesOf', () => {
  it('without serial, one batch of every host', () => {
    expect(names(batchesOf(all))).toEqual([all.map((h) => h.name)]);
  });

  it('serial per group: batch k holds the k-th slice of each group; groups without serial go in the first batch', () => {
    expect(names(batchesOf(all, { lb: { serial: 1 } }))).toEqual([['lb1', 'web1', 'web2', 'web3', 'web4'], ['lb2'], ['lb3']]);
    expect(names(batchesOf(all, { lb: { serial: 2 }, web: { serial: '50%' } }))).toEqual([
      ['lb1', 'lb2', 'web1', 'web2'],
      ['lb3', 'web3', 'web4'],
    ]);
  });

  it('a flag serial applies to every group and wins over the inventory', () => {
    expect(names(batchesOf(all, { lb: { serial: 3 } }, { serial: 2 }))).toEqual([
      ['lb1', 'lb2', 'web1', 'web2'],
      ['lb3', 'web3', 'web4'],
    ]);
  });

  it('keeps the order it is given (inventory order unless told otherwise)', () => {
    expect(names(batchesOf([lbs[2]!, lbs[0]!, lbs[1]!], {}, { serial: 1 }))).toEqual([['lb3'], ['lb1'], ['lb2']]);
  });

  it('a share rounds down but is never below one host', () => {
    expect([batchSize('50%', 3), batchSize('1%', 3), batchSize('100%', 3), batchSize(5, 3), batchSize(undefined, 3)]).toEqual([1, 1, 3, 5, 3]);
  });
});

describe('stopReason', () => {
  const [first] = batchesOf(all, { lb: { serial: 1, maxFailPercentage: 0 }, web: { serial: 2, maxFailPercentage: 50 } });

  it('goes on when no group part is over its limit', () => {
    expect(stopReason(first!, new Set(['web1']), { lb: { maxFailPercentage: 0 }, web: { maxFailPercentage: 50 } })).toBeUndefined();
  });

  it('stops when a part is over its max_fail_percentage (strictly more than it)', () => {
    const rules = { lb: { maxFailPercentage: 0 }, web: { maxFailPercentage: 50 } };
    expect(stopReason(first!, new Set(['lb1']), rules)).toBe('1 of 1 lb host in the batch failed, over max_fail_percentage 0');
    expect(stopReason(first!, new Set(['web1', 'web2']), rules)).toBe('2 of 2 web hosts in the batch failed, over max_fail_percentage 50');
  });

  it('without a limit, only a batch where every host failed stops it', () => {
    const [b] = batchesOf(webs, { web: { serial: 2 } });
    expect(stopReason(b!, new Set(['web1']))).toBeUndefined();
    expect(stopReason(b!, new Set(['web1', 'web2']))).toBe('every host of the batch failed');
  });
});
