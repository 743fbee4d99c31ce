// Lower (c) of issue 21: the host context gives every remote command the run's time limit unless the caller
// set its own (apt sets longer ones), batched reads and uploads included; --command-timeout sets it.
import { describe, expect, test } from 'vitest';
import { createHostContext } from '../../runner/engine/host-context.js';
import type { Remote, RunOptions, UploadOptions } from '../../runner/transport/types.js';
import type { HostSpec } from '../../runner/inventory/types.js';
import { parseCli } from '../../runner/cli/args.js';
import { options, secrets } from '../../recipes/options.js';

function recording(result = { stdout: '', stderr: '', code: 0 as number | null, signal: null }) {
  const runs: { cmd: string; opts?: RunOptions }[] = [];
  const uploads: UploadOptions[] = [];
  const remote: Remote = {
    name: 'lb1', isRoot: true,
    run: async (cmd, opts) => (runs.push({ cmd, opts }), { ...result }),
    upload: async (_p, _c, opts) => void uploads.push(opts ?? {}),
    close: async () => undefined,
  };
  const ctx = createHostContext({
    remote, spec: { name: 'lb1', user: 'root' } as HostSpec, cluster: { hosts: () => [], host: () => undefined }, overrides: {}, secrets: {}, dryRun: false, commandTimeoutMs: 7000,
  });
  return { ctx, runs, uploads };
}

describe('default time limit', () => {
  test('plain runs, sh, batched reads and uploads get it; a caller\'s own limit is kept', async () => {
    const { ctx, runs, uploads } = recording();
    await ctx.run('true');
    await ctx.sh('echo x');
    await ctx.run('apt-get update', { timeoutMs: 180_000 });
    await ctx.prefetch(['a', 'b']);
    await ctx.upload('/etc/x', 'x');
    expect(runs.map((r) => r.opts?.timeoutMs)).toEqual([7000, 7000, 180_000, 7000]);
    expect(uploads[0]!.timeoutMs).toBe(7000);
  });

  test('a command stopped by the default limit fails the step, naming the limit and the flag', async () => {
    const slow = createHostContext({
      remote: {
        name: 'lb1', isRoot: true, close: async () => undefined, upload: async () => undefined,
        run: async () => ({ stdout: '', stderr: '', code: null, signal: null, interrupted: 'timeout' as const }),
      },
      spec: { name: 'lb1', user: 'root' } as HostSpec, cluster: { hosts: () => [], host: () => undefined }, overrides: {}, secrets: {}, dryRun: false, commandTimeoutMs: 2000,
    });
    await expect(slow.run('sleep 100')).rejects.toThrow(/^sleep timed out after 2 s on lb1.*--command-timeout/);
    // A caller with its own limit gets the result and decides (apt-get update tries again).
    expect((await slow.run('apt-get update', { timeoutMs: 5 })).interrupted).toBe('timeout');
  });
});

describe('--command-timeout', () => {
  test('default 600 s, bounds checked', () => {
    expect(parseCli(['up'], options, secrets).options.commandTimeoutS).toBe(600);
    expect(parseCli(['up', '--command-timeout', '30'], options, secrets).options.commandTimeoutS).toBe(30);
    expect(() => parseCli(['up', '--command-timeout', '0'], options, secrets)).toThrow(/^--command-timeout: expected an integer 1-86400/);
  });
});
