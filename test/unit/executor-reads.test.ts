// Step.reads: a recipe's checks are read ahead together, each answer used once, and never after a step changed
// the host. Against a fake host whose state is a map of files, so every command it answers is counted.
import { describe, expect, it } from 'vitest';
import { execute } from '../../runner/engine/executor.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote, RunOptions, RunResult } from '../../runner/transport/types.js';
import type { Recipe, Step } from '../../runner/engine/types.js';

const host: HostSpec = {
  name: 'h1', address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: ['web'], vars: {},
} as HostSpec;
const inventory: Inventory = { file: '<test>', hosts: [host], groups: { web: ['h1'] }, vars: {}, warnings: [] };

/** A host that knows `cat NAME` and `echo X > NAME`, logs every command, and answers after a delay. */
function fakeHost(files: Record<string, string>) {
  const log: { cmd: string; opts?: RunOptions; at: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const remote: Remote = {
    name: 'h1',
    isRoot: true,
    async run(cmd, opts) {
      log.push({ cmd, opts, at: log.length });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const w = /^echo (\S+) > (\S+)$/.exec(cmd);
      if (w) files[w[2]!] = w[1]!;
      const c = /^cat (\S+)$/.exec(cmd);
      const out: RunResult = { stdout: c ? (files[c[1]!] ?? '') : '', stderr: '', code: 0, signal: null };
      return out;
    },
    upload: async () => undefined,
    close: async () => undefined,
  };
  return { remote, log, files, maxInFlight: () => maxInFlight };
}

/** A step: file NAME holds VALUE (reads it with `cat NAME`, writes it with `echo`). */
function holds(name: string, value: string, readAhead = true): Step {
  return {
    name: `${name} = ${value}`,
    ...(readAhead ? { reads: () => [`cat ${name}`] } : {}),
    async check(h) {
      const r = await h.run(`cat ${name}`);
      return r.stdout === value ? { state: 'ok' } : { state: 'change', note: `${r.stdout || 'empty'} -> ${value}` };
    },
    async apply(h) {
      await h.sh(`echo ${value} > ${name}`);
    },
  };
}

const recipe = (steps: Step[]): Recipe => ({ name: 'r', summary: 's', roles: ['all'], steps: () => steps });

async function run(steps: Step[], files: Record<string, string>, dryRun = false) {
  const fake = fakeHost(files);
  const result = await execute({
    recipes: [recipe(steps)], hosts: [host], inventory, concurrency: 1, dryRun, connect: async () => fake.remote,
  });
  return { ...fake, result };
}

describe('Step.reads', () => {
  it('reads every check ahead, together, and each check uses its answer instead of running the command again', async () => {
    const { log, result, maxInFlight } = await run([holds('a', '1'), holds('b', '2'), holds('c', '3')], { a: '1', b: '2', c: '3' });
    expect(result.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(log.map((l) => l.cmd)).toEqual(['cat a', 'cat b', 'cat c']);
    expect(maxInFlight()).toBe(3);
  });

  it('drops what was read ahead once a step changed the host: the checks after it read live', async () => {
    // b is read by step 1 (a changes it as a side effect of its apply) and by step 2.
    const sideEffect: Step = { ...holds('a', '1'), async apply(h) { await h.sh('echo 1 > a'); await h.sh('echo 2 > b'); } };
    const { log, result, files } = await run([sideEffect, holds('b', '2')], { a: '0', b: '0' });
    expect(result.results.map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(files).toEqual({ a: '1', b: '2' });
    // b was read ahead (stale: 0), then read again after the change, and found right.
    expect(log.map((l) => l.cmd)).toEqual(['cat a', 'cat b', 'echo 1 > a', 'echo 2 > b', 'cat b']);
  });

  it('drops them even when apply reports no change (apt-get update: "changed" false, but lists did change)', async () => {
    const quiet: Step = { ...holds('a', '1'), async apply(h) { await h.sh('echo 1 > a'); return { changed: false }; } };
    const { log } = await run([quiet, holds('b', '2')], { a: '0', b: '2' });
    expect(log.filter((l) => l.cmd === 'cat b')).toHaveLength(2);
  });

  it('keeps them in a dry run (nothing is applied) and only serves commands run without options', async () => {
    const withOpts: Step = {
      name: 'with options',
      reads: () => ['cat c'],
      async check(h) {
        await h.run('cat c', { timeoutMs: 1000 });
        return { state: 'ok' };
      },
      apply: async () => undefined,
    };
    const { log, result } = await run([holds('a', '1'), holds('b', '2', false), withOpts], { a: '0', b: '0', c: '' }, true);
    expect(result.results.map((r) => r.status)).toEqual(['changed', 'changed', 'ok']);
    // a: once (ahead); b: not declared, read when checked; c: read ahead, but asked with options, so read again.
    expect(log.map((l) => l.cmd)).toEqual(['cat a', 'cat c', 'cat b', 'cat c']);
    expect(log[3]!.opts).toEqual({ timeoutMs: 1000 });
  });

  it('a step whose reads() fails is checked live and reports its own failure', async () => {
    const broken: Step = { ...holds('a', '1'), reads: () => { throw new Error('no fact'); } };
    const { log, result } = await run([broken, holds('b', '2')], { a: '1', b: '2' });
    expect(result.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(log.map((l) => l.cmd)).toEqual(['cat b', 'cat a']);
  });
});
