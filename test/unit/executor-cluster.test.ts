// The cluster engine: steps read other hosts through h.cluster (vars always, facts gathered before any host
// starts: a barrier), and hosts change in batches with Ansible's serial / max_fail_percentage. The "hosts" are
// local shells, each in its own folder, so every command really runs and is logged.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execute, type ExecuteOptions } from '../../runner/engine/executor.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote } from '../../runner/transport/types.js';
import type { Fact, Recipe } from '../../runner/engine/types.js';

const spec = (name: string, group: string, i: number): HostSpec =>
  ({ name, address: `192.0.2.${i}`, port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: [group], vars: { weight: i } }) as HostSpec;
const hosts = [spec('lb1', 'lb', 1), spec('lb2', 'lb', 2), spec('web1', 'web', 11), spec('web2', 'web', 12)];
const inventory: Inventory = { file: '<test>', hosts, groups: { lb: ['lb1', 'lb2'], web: ['web1', 'web2'] }, vars: {}, warnings: [] };

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Every command of every host, in the order they started: `host: cmd`. */
function fleet(failOn: (host: string, cmd: string) => boolean = () => false) {
  const log: string[] = [];
  const connect = async (h: HostSpec): Promise<Remote> => {
    const dir = mkdtempSync(join(tmpdir(), `haforge-cluster-${h.name}-`));
    dirs.push(dir);
    spawnSync('bash', ['-c', `echo ${h.name}-id > id`], { cwd: dir });
    return {
      name: h.name,
      isRoot: true,
      async run(cmd) {
        log.push(`${h.name}: ${cmd}`);
        if (failOn(h.name, cmd)) return { stdout: '', stderr: 'boom', code: 1, signal: null };
        const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
        return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: null };
      },
      upload: async () => undefined,
      close: async () => undefined,
    };
  };
  return { log, connect };
}

const machineId: Fact<string> = { name: 'machine-id', command: 'cat id', parse: (r) => r.stdout.trim() };

/** A recipe whose one step writes `touched` (a change), failing on the hosts named. */
const touch = (roles: string[], name = 'touch'): Recipe => ({
  name, summary: name, roles,
  steps: () => [{ name: 'touched', check: async (h) => ((await h.run('test -e touched')).code === 0 ? { state: 'ok' } : { state: 'change', actions: [{ kind: 'run', command: 'touch touched' }] }) }],
});

const run = (o: Partial<ExecuteOptions> & Pick<ExecuteOptions, 'recipes' | 'connect'>) =>
  execute({ hosts, inventory, concurrency: 8, dryRun: false, ...o });

describe('h.cluster', () => {
  it('shows every host of the inventory with its vars, flags on top, and nothing of its connection', async () => {
    let seen: unknown;
    let keys: string[] = [];
    const peek: Recipe = {
      name: 'peek', summary: 'p', roles: ['lb'],
      steps: (h) => {
        seen = h.cluster.hosts('web').map((p) => ({ name: p.name, address: p.address, weight: p.vars['weight'], flag: p.vars['flag'], inRun: p.inRun }));
        keys = Object.keys(h.cluster.host('web1')!);
        return [];
      },
    };
    const { connect } = fleet();
    await run({ recipes: [peek], connect, hosts: hosts.slice(0, 1), overrides: { flag: true } });
    expect(seen).toEqual([
      { name: 'web1', address: '192.0.2.11', weight: 11, flag: true, inRun: false },
      { name: 'web2', address: '192.0.2.12', weight: 12, flag: true, inRun: false },
    ]);
    expect(keys.sort()).toEqual(['address', 'fact', 'groups', 'inRun', 'name', 'port', 'readNow', 'vars']);
  });

  it('gathers declared peer facts on every host of those groups before any host starts (a barrier)', async () => {
    const peers: Record<string, string[]> = {};
    const useIds: Recipe = {
      name: 'use-ids', summary: 'u', roles: ['lb'],
      peerFacts: [{ groups: ['lb'], facts: [machineId] }],
      steps: (h) => {
        peers[h.name] = h.cluster.hosts('lb').filter((p) => p.name !== h.name).map((p) => p.fact(machineId));
        return [];
      },
    };
    const { log, connect } = fleet();
    const r = await run({ recipes: [touch(['all']), useIds], connect });
    expect(peers).toEqual({ lb1: ['lb2-id'], lb2: ['lb1-id'] });
    // Both LBs were read before the first change anywhere; web nodes were not asked.
    const firstChange = log.findIndex((l) => l.endsWith('touch touched'));
    expect(log.filter((l) => l.endsWith('cat id'))).toEqual(['lb1: cat id', 'lb2: cat id']);
    expect(log.findIndex((l) => l === 'lb2: cat id')).toBeLessThan(firstChange);
    expect(r.results.filter((x) => x.step === 'facts for other hosts').map((x) => [x.host, x.status])).toEqual([['lb1', 'ok'], ['lb2', 'ok']]);
  });

  it('a peer fact with `when` is read only on hosts whose vars call for it (no round trip otherwise)', async () => {
    const ids: Recipe = {
      name: 'ids', summary: 'i', roles: ['lb'],
      peerFacts: [{ groups: ['lb'], facts: [machineId], when: (vars) => vars['flag'] === true }],
      steps: () => [],
    };
    const off = fleet();
    await run({ recipes: [ids], connect: off.connect });
    expect(off.log.filter((l) => l.endsWith('cat id'))).toEqual([]);
    const on = fleet();
    const r = await run({ recipes: [ids], connect: on.connect, overrides: { flag: true } });
    expect(on.log.filter((l) => l.endsWith('cat id'))).toEqual(['lb1: cat id', 'lb2: cat id']);
    expect(r.results.filter((x) => x.step === 'facts for other hosts')).toHaveLength(2);
  });

  it('a fact of a host outside the run (or not declared) is a clear step failure, not undefined', async () => {
    const reads: Recipe = {
      name: 'reads', summary: 'r', roles: ['lb'],
      steps: (h) => {
        h.cluster.host('lb2')!.fact(machineId);
        return [];
      },
    };
    const { connect } = fleet();
    const r = await run({ recipes: [reads], connect, hosts: hosts.slice(0, 1) });
    expect(r.results[0]!.message).toBe('fact machine-id of lb2 was not gathered: that host is not part of this run (--limit)');
  });

  it('readNow reads a peer as it is now, on its connection, until the run ends (not the gathered value)', async () => {
    const flag: Fact<string> = { name: 'flag', command: 'cat flag 2>/dev/null || echo none', parse: (r) => r.stdout.trim() };
    const seen: string[] = [];
    // Each LB writes its flag; the verify-like recipe after the barrier reads both peers now.
    const write: Recipe = { name: 'write', summary: 'w', roles: ['lb'], steps: () => [{ name: 'w', check: async (h) => { await h.run(`echo ${h.name}-now > flag`); return { state: 'ok' }; } }] };
    const look: Recipe = {
      name: 'look', summary: 'l', roles: ['lb'], sync: true,
      steps: () => [{ name: 'l', check: async (h) => { for (const p of h.cluster.hosts('lb')) seen.push(`${h.name} sees ${await p.readNow(flag)}`); return { state: 'ok' }; } }],
    };
    const { connect, log } = fleet();
    const r = await run({ recipes: [write, look], connect, hosts: hosts.slice(0, 2) });
    expect(r.results.filter((x) => x.status !== 'ok')).toEqual([]);
    expect(seen.sort()).toEqual(['lb1 sees lb1-now', 'lb1 sees lb2-now', 'lb2 sees lb1-now', 'lb2 sees lb2-now']);
    expect(log.filter((l) => l.startsWith('lb1: cat flag')).length).toBe(2); // not cached: each asker read it
    // With serial 1 the other LB is in another batch: a clear failure, not a stale answer.
    const serial = await run({ recipes: [look], connect, hosts: hosts.slice(0, 2), rollout: { all: { serial: 1 } } });
    expect(serial.results[0]!.message).toBe('cannot read flag of lb2 now: it is not connected yet (a later batch of the rollout)');
  });
});

describe('rolling order', () => {
  it('serial 1 on lb: one LB at a time, each finishing everything before the next starts', async () => {
    const { log, connect } = fleet();
    const r = await run({ recipes: [touch(['lb'])], connect, hosts: hosts.slice(0, 2), rollout: { groups: { lb: { serial: 1 } } } });
    expect(r.hosts.map((h) => h.status)).toEqual(['changed', 'changed']);
    const lb1Last = log.map((l) => l.startsWith('lb1:')).lastIndexOf(true);
    const lb2First = log.findIndex((l) => l.startsWith('lb2:'));
    expect(lb1Last).toBeLessThan(lb2First);
  });

  it('rollBy: hosts ranked by a fact gathered first change lowest rank first (a pair\'s backups, then its master)', async () => {
    const master: Fact<boolean> = { name: 'master', command: 'test -e master && echo yes || echo no', parse: (r) => r.stdout.trim() === 'yes' };
    const ranked: Recipe = { ...touch(['lb', 'web']), rollBy: { groups: ['lb'], fact: master as Fact<unknown>, rank: (v) => (v ? 1 : 0) } };
    const { log, connect } = fleet();
    // lb1 holds "master" (its folder's file, made by its first command); lb2 and the web nodes do not.
    const first = async (h: HostSpec) => {
      const remote = await connect(h);
      if (h.name === 'lb1') await remote.run('touch master');
      return remote;
    };
    const r = await run({ recipes: [ranked], connect: first });
    expect(r.hosts.every((h) => h.status === 'changed')).toBe(true);
    const firstTouch = (host: string) => log.indexOf(`${host}: touch touched`);
    const lastOf = (host: string) => log.map((l) => l.startsWith(`${host}:`)).lastIndexOf(true);
    for (const other of ['lb2', 'web1', 'web2']) expect(lastOf(other), other).toBeLessThan(firstTouch('lb1'));
    // Nobody ranked higher: one batch, as without rollBy.
    const flat = fleet();
    await run({ recipes: [ranked], connect: flat.connect });
    expect(flat.log.filter((l) => l.includes('touch touched')).length).toBe(4);
  });

  it('a batch over max_fail_percentage stops the rollout; the recap names the hosts not touched', async () => {
    const { log, connect } = fleet((h, cmd) => h === 'lb1' && cmd === 'touch touched');
    const r = await run({ recipes: [touch(['lb'])], connect, hosts: hosts.slice(0, 2), rollout: { all: { serial: 1, maxFailPercentage: 0 } } });
    expect(r.hosts.map((h) => [h.host, h.status])).toEqual([['lb1', 'failed'], ['lb2', 'skipped']]);
    expect(r.hosts[1]!.error).toBe('not touched: the rollout stopped after batch 1 of 2 (1 of 1 lb host in the batch failed, over max_fail_percentage 0)');
    expect(log.some((l) => l.startsWith('lb2:'))).toBe(false);
  });

  it('without a limit a failed host does not stop the others; a batch where every host failed does (as Ansible)', async () => {
    const lb1Fails = fleet((h, cmd) => h === 'lb1' && cmd === 'touch touched');
    const r = await run({ recipes: [touch(['all'])], connect: lb1Fails.connect, rollout: { all: { serial: 1 } } });
    // Batches: [lb1, web1], [lb2, web2].
    expect(r.hosts.map((h) => [h.host, h.status])).toEqual([['lb1', 'failed'], ['lb2', 'changed'], ['web1', 'changed'], ['web2', 'changed']]);
    const allFail = fleet((h, cmd) => (h === 'lb1' || h === 'web1') && cmd === 'touch touched');
    const r2 = await run({ recipes: [touch(['all'])], connect: allFail.connect, rollout: { all: { serial: 1 } } });
    expect(r2.hosts.map((h) => [h.host, h.status])).toEqual([['lb1', 'failed'], ['lb2', 'skipped'], ['web1', 'failed'], ['web2', 'skipped']]);
    expect(r2.hosts[1]!.error).toBe('not touched: the rollout stopped after batch 1 of 2 (every host of the batch failed)');
  });
});
