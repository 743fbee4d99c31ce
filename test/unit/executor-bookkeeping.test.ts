// A bookkeeping change (haforge's own stamp on the host, never the system): a dry run leaves it out entirely,
// a real run applies it and reports ok, so a no-op run stays "0 changed" and a dry run writes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execute } from '../../runner/engine/executor.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote } from '../../runner/transport/types.js';
import type { Recipe } from '../../runner/engine/types.js';

const host = { name: 'h1', address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: ['web'], vars: {} } as HostSpec;
const inventory: Inventory = { file: '<test>', hosts: [host], groups: { web: ['h1'] }, vars: {}, warnings: [] };

const stamp: Recipe = {
  name: 'stamp', summary: 's', roles: ['all'],
  steps: () => [{
    name: 'stamp renewed',
    check: async (h) => ((await h.run('test -e stamp')).code === 0
      ? { state: 'ok' }
      : { state: 'change', bookkeeping: true, note: 'renew the stamp', actions: [{ kind: 'run', command: 'touch stamp', bookkeeping: true }] }),
  }],
};

async function run(dryRun: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'haforge-bookkeeping-'));
  const remote: Remote = {
    name: 'h1', isRoot: true,
    run: async (cmd) => {
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
      return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: null };
    },
    upload: async () => undefined, close: async () => undefined,
  };
  const result = await execute({ recipes: [stamp], hosts: [host], inventory, concurrency: 1, dryRun, connect: async () => remote });
  const written = existsSync(join(dir, 'stamp'));
  rmSync(dir, { recursive: true, force: true });
  return { result, written };
}

describe('bookkeeping changes', () => {
  it('a dry run neither writes nor reports a change', async () => {
    const { result, written } = await run(true);
    expect(written).toBe(false);
    expect(result.results.map((r) => [r.status, r.message])).toEqual([['ok', 'renew the stamp']]);
  });

  it('a real run writes it and reports ok, not changed', async () => {
    const { result, written } = await run(false);
    expect(written).toBe(true);
    expect(result.hosts[0]!.counts).toEqual({ ok: 1, changed: 0, failed: 0, skipped: 0 });
  });
});
