// Step.reads: a recipe's checks are read ahead together (one exec), each answer used once, and never after a step
// changed the host. Against a "host" that is a local shell in a temp folder, so every command it runs is counted.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execute } from '../../runner/engine/executor.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote, RunOptions, RunResult } from '../../runner/transport/types.js';
import type { Action, Recipe, Step } from '../../runner/engine/types.js';

const host: HostSpec = {
  name: 'h1', address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: ['web'], vars: {},
} as HostSpec;
const inventory: Inventory = { file: '<test>', hosts: [host], groups: { web: ['h1'] }, vars: {}, warnings: [] };

/** A "host" that is a real shell in a temp folder: commands (and batches of them) really run; every call is logged,
 * a batch as `batch: cmd1 | cmd2 ...`. */
function fakeHost(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'haforge-reads-'));
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v);
  const log: { cmd: string; opts?: RunOptions }[] = [];
  const remote: Remote = {
    name: 'h1',
    isRoot: true,
    async run(cmd, opts) {
      const batched = [...cmd.matchAll(/\( eval (.+?) \) <\/dev\/null/g)].map((m) => m[1]!.replace(/^'|'$/g, ''));
      log.push({ cmd: batched.length ? `batch: ${batched.join(' | ')}` : cmd, opts });
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
      const out: RunResult = { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: null };
      return out;
    },
    upload: async () => undefined,
    close: async () => undefined,
  };
  const read = () => Object.fromEntries(Object.keys(files).map((f) => [f, readFileSync(join(dir, f), 'utf8').trim()]));
  return { remote, log, files: read, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A step: file NAME holds VALUE (reads it with `cat NAME`, writes it with `echo`). */
function holds(name: string, value: string, readAhead = true): Step {
  return {
    name: `${name} = ${value}`,
    ...(readAhead ? { reads: () => [`cat ${name}`] } : {}),
    async check(h) {
      const r = await h.run(`cat ${name}`);
      return r.stdout.trim() === value
        ? { state: 'ok' }
        : { state: 'change', note: `${r.stdout.trim() || 'empty'} -> ${value}`, actions: [{ kind: 'run', command: `echo ${value} > ${name}` }] };
    },
  };
}

/** The step, planning these actions instead when it finds a change. */
function doing(step: Step, ...actions: Action[]): Step {
  return { ...step, check: async (h) => { const c = await step.check(h); return c.state === 'change' ? { ...c, actions } : c; } };
}
const sh = (command: string, bookkeeping?: boolean): Action => ({ kind: 'run', command, ...(bookkeeping ? { bookkeeping } : {}) });

const recipe = (steps: Step[]): Recipe => ({ name: 'r', summary: 's', roles: ['all'], steps: () => steps });

async function run(steps: Step[], files: Record<string, string>, dryRun = false) {
  const fake = fakeHost(files);
  const result = await execute({
    recipes: [recipe(steps)], hosts: [host], inventory, concurrency: 1, dryRun, connect: async () => fake.remote,
  });
  const after = fake.files();
  fake.cleanup();
  return { log: fake.log, files: after, result };
}

describe('Step.reads', () => {
  it('reads every check ahead in one exec, and each check uses its answer instead of running the command again', async () => {
    const { log, result } = await run([holds('a', '1'), holds('b', '2'), holds('c', '3')], { a: '1', b: '2', c: '3' });
    expect(result.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(log.map((l) => l.cmd)).toEqual(['batch: cat a | cat b | cat c']);
  });

  it('drops what was read ahead once a step changed the host: the checks after it read live', async () => {
    // b is read by step 1 (a changes it as a side effect of its apply) and by step 2.
    const sideEffect = doing(holds('a', '1'), sh('echo 1 > a'), sh('echo 2 > b'));
    const { log, result, files } = await run([sideEffect, holds('b', '2')], { a: '0', b: '0' });
    expect(result.results.map((r) => r.status)).toEqual(['changed', 'ok']);
    expect(files).toEqual({ a: '1', b: '2' });
    // b was read ahead (stale: 0), then read again after the change, and found right.
    expect(log.map((l) => l.cmd)).toEqual(['batch: cat a | cat b', 'echo 1 > a', 'echo 2 > b', 'cat b']);
  });

  it('drops them even when apply reports no change (apt-get update: "changed" false, but lists did change)', async () => {
    const quiet = doing(holds('a', '1'), sh('echo 1 > a', true));
    const { log } = await run([quiet, holds('b', '2')], { a: '0', b: '2' });
    expect(log.map((l) => l.cmd)).toEqual(['batch: cat a | cat b', 'echo 1 > a', 'cat b']);
  });

  it('keeps them in a dry run (nothing is applied) and only serves commands run without options', async () => {
    const withOpts: Step = {
      name: 'with options',
      reads: () => ['cat c'],
      async check(h) {
        await h.run('cat c', { timeoutMs: 1000 });
        return { state: 'ok' };
      },
    };
    const { log, result } = await run([holds('a', '1'), holds('b', '2', false), withOpts], { a: '0', b: '0', c: '' }, true);
    expect(result.results.map((r) => r.status)).toEqual(['changed', 'changed', 'ok']);
    // a: once (ahead); b: not declared, read when checked; c: read ahead, but asked with options, so read again.
    expect(log.map((l) => l.cmd)).toEqual(['batch: cat a | cat c', 'cat b', 'cat c']);
    expect(log[2]!.opts).toEqual({ timeoutMs: 1000 });
  });

  it('a step whose reads() fails is checked live and reports its own failure', async () => {
    const broken: Step = { ...holds('a', '1'), reads: () => { throw new Error('no fact'); } };
    const { log, result } = await run([broken, holds('b', '2')], { a: '1', b: '2' });
    expect(result.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    // One read left: it runs alone, no batch.
    expect(log.map((l) => l.cmd)).toEqual(['cat b', 'cat a']);
  });
});

describe('facts', () => {
  const fact = (name: string) => ({ name, command: `cat ${name}`, parse: (r: RunResult) => r.stdout.trim() });

  it('facts asked together (a plan needing several) are read in one exec; each is read once per host', async () => {
    const fake = fakeHost({ x: 'ex', y: 'why', z: 'zed' });
    const seen: string[] = [];
    const r: Recipe = {
      name: 'r', summary: 's', roles: ['all'],
      async steps(h) {
        seen.push(...(await Promise.all([h.fact(fact('x')), h.fact(fact('y'))])));
        seen.push(await h.fact(fact('z')), await h.fact(fact('x')));
        return [];
      },
    };
    await execute({ recipes: [r], hosts: [host], inventory, concurrency: 1, dryRun: false, connect: async () => fake.remote });
    fake.cleanup();
    expect(seen).toEqual(['ex', 'why', 'zed', 'ex']);
    // x and y together, z alone (asked later), x never again.
    expect(fake.log.map((l) => l.cmd)).toEqual(['batch: cat x | cat y', 'cat z']);
  });
});

describe('a phase read ahead', () => {
  const fact = (name: string) => ({ name, command: `cat ${name}`, parse: (r: RunResult) => r.stdout.trim() });
  /** A recipe whose plan needs fact F and whose one step wants file FILE to hold VALUE. */
  const needing = (name: string, f: string, file: string, value: string): Recipe => ({
    name, summary: name, roles: ['all'],
    async steps(h) {
      const v = await h.fact(fact(f));
      return [{ ...holds(file, value), name: `${file} = ${value} (${f}: ${v})` }];
    },
  });

  async function phase(files: Record<string, string>) {
    const fake = fakeHost(files);
    const result = await execute({
      recipes: [needing('r1', 'f1', 'a', '1'), needing('r2', 'f2', 'b', '2'), needing('r3', 'f1', 'c', '3')],
      hosts: [host], inventory, concurrency: 1, dryRun: false, connect: async () => fake.remote,
    });
    fake.cleanup();
    return { log: fake.log.map((l) => l.cmd), result };
  }

  it('no-op: every plan made at once (facts in one exec), then every read in one more', async () => {
    const { log, result } = await phase({ f1: 'x', f2: 'y', a: '1', b: '2', c: '3' });
    expect(result.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(log).toEqual(['batch: cat f1 | cat f2', 'batch: cat a | cat b | cat c']);
  });

  it('after a change the recipes that follow plan again and read live: facts too, nothing stale is used', async () => {
    // r1 changes a, and (as a side effect of its apply) f2 and b: r2 must see the new f2 and find b right.
    const fake = fakeHost({ f1: 'x', f2: 'y', a: '0', b: '0', c: '3' });
    const r1: Recipe = {
      name: 'r1', summary: 'r1', roles: ['all'],
      steps: () => [doing(holds('a', '1'), sh('echo 1 > a; echo z > f2; echo 2 > b'))],
    };
    const result = await execute({
      recipes: [r1, needing('r2', 'f2', 'b', '2'), needing('r3', 'f1', 'c', '3')],
      hosts: [host], inventory, concurrency: 1, dryRun: false, connect: async () => fake.remote,
    });
    fake.cleanup();
    expect(result.results.map((r) => `${r.step}: ${r.status}`)).toEqual(['a = 1: changed', 'b = 2 (f2: z): ok', 'c = 3 (f1: x): ok']);
    expect(fake.log.map((l) => l.cmd)).toEqual([
      'batch: cat f2 | cat f1',
      'batch: cat a | cat b | cat c',
      'echo 1 > a; echo z > f2; echo 2 > b',
      'cat f2',
      'cat b',
      'cat f1',
      'cat c',
    ]);
  });
});
