// `run X` without its dependencies: X's prerequisites are probed, and X is planned at the same time (planning
// only reads facts); the plan counts only when every prerequisite is there.
import { describe, expect, it } from 'vitest';
import { execute } from '../../runner/engine/executor.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote, RunResult } from '../../runner/transport/types.js';
import type { Fact, Recipe } from '../../runner/engine/types.js';
import { StepError } from '../../runner/engine/types.js';

const host = { name: 'h1', address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: ['lb'], vars: {} } as HostSpec;
const inventory: Inventory = { file: '<test>', hosts: [host], groups: { lb: ['h1'] }, vars: {}, warnings: [] };

/** Answers `probe` with `installed`, anything else empty; records when each command started and ended. */
function fakeHost(installed: boolean) {
  const events: string[] = [];
  const remote: Remote = {
    name: 'h1',
    isRoot: true,
    async run(cmd) {
      events.push(`start ${cmd}`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`end ${cmd}`);
      const out: RunResult = { stdout: cmd === 'probe' && installed ? 'yes' : '', stderr: '', code: 0, signal: null };
      return out;
    },
    upload: async () => undefined,
    close: async () => undefined,
  };
  return { remote, events };
}

const installed: Fact<boolean> = { name: 'installed', command: 'probe', parse: (r) => r.stdout === 'yes' };
const version: Fact<string> = { name: 'version', command: 'version', parse: (r) => r.stdout };

const recipe: Recipe = {
  name: 'x',
  summary: 'x',
  roles: ['all'],
  requires: [{ recipe: 'x-install', fact: installed, what: 'the x package' }],
  async steps(h) {
    await h.fact(version);
    if (!(await h.fact(installed))) throw new StepError('x is not installed (the plan\'s own words)');
    return [{ name: 'x ok', check: async () => ({ state: 'ok' }), apply: async () => undefined }];
  },
};

async function run(isInstalled: boolean) {
  const fake = fakeHost(isInstalled);
  const result = await execute({
    recipes: [recipe], hosts: [host], inventory, concurrency: 1, dryRun: false, checkRequires: true, connect: async () => fake.remote,
  });
  return { ...fake, result };
}

describe('prerequisites of a recipe run alone', () => {
  it('plans while probing: the plan\'s reads start before the probe has answered', async () => {
    const { events, result } = await run(true);
    expect(result.results.map((r) => [r.step, r.status])).toEqual([['requires the x package', 'ok'], ['x ok', 'ok']]);
    expect(events.indexOf('start version')).toBeLessThan(events.indexOf('end probe'));
    // Each fact is read once, whoever asked first.
    expect(events.filter((e) => e === 'start probe')).toHaveLength(1);
  });

  it('a missing prerequisite is what the recap says, not the plan\'s failure', async () => {
    const { result } = await run(false);
    expect(result.results).toHaveLength(1);
    expect(result.results[0]).toMatchObject({ step: 'requires the x package', status: 'failed' });
    expect(result.results[0]!.message).toMatch(/the x package is missing: run recipe "x-install" first, or add --with-deps/);
  });
});
