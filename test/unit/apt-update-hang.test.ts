// apt-get update that never returns (a proxy dropping a connection mid-answer leaves apt's http method on a
// half-closed socket, seen on the lab): bounded by apt_update_timeout, tried again, then a clear failure.
// The host is scripted here; the real hang cannot be produced on demand.
import { describe, expect, test } from 'vitest';
import { APT_RUN_TIMEOUT_S, aptGet } from '../../runner/engine/primitives/apt.js';
import type { HostContext } from '../../runner/engine/types.js';
import type { RunOptions, RunResult } from '../../runner/transport/types.js';

function host(results: RunResult[], vars: Record<string, unknown> = {}) {
  const calls: { cmd: string; opts?: RunOptions }[] = [];
  const h = {
    name: 'web1',
    vars,
    progress: () => undefined,
    run: async (cmd: string, opts?: RunOptions) => {
      calls.push({ cmd, opts });
      return results.shift() ?? { stdout: '', stderr: 'unexpected call', code: 1, signal: null };
    },
  } as unknown as HostContext; // only the members aptGet uses
  return { h, calls };
}

const hung: RunResult = { stdout: 'Get:1 http://deb.debian.org bookworm InRelease\n', stderr: '', code: null, signal: null, interrupted: 'timeout' };
const ok: RunResult = { stdout: 'Reading package lists...\n', stderr: '', code: 0, signal: null };

describe('apt-get update that hangs', () => {
  test('is stopped after apt_update_timeout and tried again', async () => {
    const { h, calls } = host([hung, hung, ok], { apt_update_timeout: 30 });
    await expect(aptGet(h, 'update')).resolves.toContain('Reading package lists');
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.opts?.timeoutMs === 30_000)).toBe(true);
  });

  test('fails with a clear message after three hangs', async () => {
    const { h, calls } = host([hung, hung, hung]);
    await expect(aptGet(h, 'update')).rejects.toThrow('apt-get update hung 3 times (180s each)');
    expect(calls).toHaveLength(3);
  });

  test('other apt-get commands get a longer bound of their own (a long upgrade is not a hang; a hung one is)', async () => {
    const { h, calls } = host([ok]);
    await aptGet(h, 'install apache2');
    // The lock wait (120 s by default) plus APT_RUN_TIMEOUT_S, well above --command-timeout's default 600 s.
    expect(calls[0]!.opts?.timeoutMs).toBe((120 + APT_RUN_TIMEOUT_S) * 1000);
  });
});
