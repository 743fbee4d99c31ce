// runLocal: arguments arrive intact, stdin works, exit codes and timeouts are reported, nothing throws.
import { describe, expect, test } from 'vitest';
import { runLocal } from '../../runner/transport/local.js';

describe('runLocal', () => {
  test('arguments are passed as separate words, untouched by the shell', async () => {
    const args = ['%s|', "it's", '$HOME', '`id`', 'a b', '*', ''];
    const r = await runLocal('printf', args);
    expect(r).toMatchObject({ code: 0, stdout: "it's|$HOME|`id`|a b|*||", stderr: '' });
  });

  test('stdin (how secrets go in) and exit codes', async () => {
    const r = await runLocal('sh', ['-c', 'cat; echo err >&2; exit 5'], { stdin: 'secret-from-stdin' });
    expect(r).toMatchObject({ code: 5, stdout: 'secret-from-stdin', stderr: 'err\n', signal: null });
  });

  test('a command reading stdin without any gets EOF', async () => {
    expect(await runLocal('cat')).toMatchObject({ code: 0, stdout: '' });
  });

  test('cwd and env', async () => {
    const r = await runLocal('sh', ['-c', 'pwd; echo "$HF_X"'], { cwd: '/tmp', env: { HF_X: 'y' } });
    expect(r.stdout).toBe('/tmp\ny\n');
  });

  test('timeout kills and says so', async () => {
    const t0 = performance.now();
    const r = await runLocal('sleep', ['5'], { timeoutMs: 200 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', interrupted: 'timeout' });
  });
});
