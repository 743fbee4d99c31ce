// Lower (b) of issue 21: the stats password's hash is never shown. file() masks what its spec marks secret in the
// diff it shows (dry run, --json, the recap), and haproxy-config marks `password HASH` in haproxy.cfg.
import { describe, expect, test } from 'vitest';
import { file } from '../../runner/engine/primitives/file.js';
import { maskStatsHash } from '../../recipes/haproxy-config.js';
import type { HostContext } from '../../runner/engine/types.js';

const OLD = '$6$oldsalt$' + 'A'.repeat(86);
const NEW = '$6$newsalt$' + 'B'.repeat(86);
const cfg = (hash: string, port = 80) => `userlist u\n    user admin password ${hash}\nlisten web\n    bind *:${port}\n`;

function hostWith(content: string): HostContext {
  const stdout = `settled\n640 root haproxy\n--haforge-sep--\n${content}`;
  return { dryRun: true, spec: { user: 'root' }, run: async () => ({ stdout, stderr: '', code: 0, signal: null }) } as unknown as HostContext;
}

describe('masked diffs', () => {
  const spec = (wanted: string) => ({ path: '/etc/haproxy/haproxy.cfg', content: wanted, mode: 0o640, owner: 'root', group: 'haproxy', mask: maskStatsHash });

  test('a changed port: the diff shows the port, the hash only as ***', async () => {
    const c = await file(spec(cfg(OLD, 8080))).check(hostWith(cfg(OLD)));
    expect(c.state).toBe('change');
    const diff = c.state === 'change' ? c.diff! : '';
    expect(diff).toContain('+    bind *:8080');
    expect(diff).toContain('user admin password ***');
    expect(diff).not.toMatch(/\$6\$/);
  });

  test('a changed password: still a change, the diff says so without either hash', async () => {
    const c = await file(spec(cfg(NEW))).check(hostWith(cfg(OLD)));
    expect(c.state).toBe('change');
    const diff = c.state === 'change' ? c.diff! : '';
    expect(diff).toMatch(/masked/);
    expect(diff).not.toMatch(/\$6\$|oldsalt|newsalt/);
  });

  test('maskStatsHash leaves other lines alone', () => {
    expect(maskStatsHash(cfg(OLD))).toBe('userlist u\n    user admin password ***\nlisten web\n    bind *:80\n');
  });
});
