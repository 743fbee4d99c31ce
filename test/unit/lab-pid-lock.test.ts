// The lab's PID lock: a stale lock is taken over (also one with our own PID that this process does not hold: a
// bench stopped by a signal left it, and PIDs are reused), a live holder is waited for.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withPidLock } from '../../runner/lab/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-lock-'));
const quiet = () => {};

describe('withPidLock', () => {
  it('holds the lock while fn runs and removes it after', async () => {
    const f = join(dir, 'a.lock');
    const seen = await withPidLock(f, 'test', quiet, async () => readFileSync(f, 'utf8').trim());
    expect(seen).toBe(String(process.pid));
    expect(existsSync(f)).toBe(false);
  });

  it('takes over a lock left with our own PID by an earlier process (PIDs are reused)', async () => {
    const f = join(dir, 'b.lock');
    writeFileSync(f, `${process.pid}\n`);
    await expect(withPidLock(f, 'test', quiet, async () => 'ran', 2000)).resolves.toBe('ran');
  });

  it('a lock another task of this process holds is waited for, then taken', async () => {
    const f = join(dir, 'c.lock');
    const order: string[] = [];
    let release = () => {};
    const first = withPidLock(f, 'first', quiet, () => new Promise<void>((ok) => (release = () => (order.push('first done'), ok()))));
    const second = withPidLock(f, 'second', quiet, async () => void order.push('second ran'), 5000);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(order, 'the second waits while the first holds it').toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first done', 'second ran']);
  });

  it('waits for a live holder and says so, then times out', async () => {
    const f = join(dir, 'd.lock');
    const child = spawn('sleep', ['30']);
    try {
      writeFileSync(f, `${child.pid!}\n`);
      const lines: string[] = [];
      await expect(withPidLock(f, 'the test', (l) => lines.push(l), async () => 'ran', 600)).rejects.toThrow(/timed out waiting/);
      expect(lines).toEqual([`waiting for another haforge (PID ${child.pid!}) the test`]);
    } finally {
      child.kill();
    }
  });

  it('takes over a lock whose holder is gone', async () => {
    const f = join(dir, 'e.lock');
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    writeFileSync(f, `${child.pid!}\n`);
    await expect(withPidLock(f, 'test', quiet, async () => 'ran', 2000)).resolves.toBe('ran');
  });
});
