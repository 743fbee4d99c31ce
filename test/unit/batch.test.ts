// batch.ts: several commands in one exec answer exactly as each would alone (through a real bash, as sshd runs
// them for root): stdout, stderr and exit code, whatever the commands do.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchScript } from '../../runner/engine/batch.js';
import type { RunResult } from '../../runner/transport/types.js';

function bash(cmd: string, cwd: string): RunResult {
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', input: '' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: null };
}

const COMMANDS = [
  'echo hello',
  'printf "no newline at the end"',
  'printf ""',
  'echo out; echo err >&2; exit 3',
  'exit 0',
  'false',
  'cd / && pwd',
  'pwd',
  "echo 'single '\\''quoted'\\'' words' \"and $((6 * 7))\"",
  'x=1; echo "x=$x"',
  'echo "x=${x:-unset}"',
  'if [ -f /nonexistent ]; then echo yes; else echo absent; fi',
  'cat /nonexistent',
  'echo "unbalanced (parens"',
  'for i in 1 2 3; do echo $i; done | tail -1',
  'printf "\\n\\nblank lines around\\n\\n"',
  'echo ü ☃ 😀',
  'read line; echo "stdin gave: [$line]"',
  'echo a # a comment at the end',
  'if then fi',
  "s=$(stat -c %Y /nonexistent 2>/dev/null || echo 0); [ \"$s\" -ge 1 ]",
];

describe('batchScript', () => {
  it('answers each command as it would have answered alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'haforge-batch-'));
    try {
      const alone = COMMANDS.map((c) => bash(c, dir));
      const b = batchScript(COMMANDS);
      const together = b.parse(bash(b.script, dir));
      expect(together).toBeDefined();
      for (const [i, c] of COMMANDS.entries()) {
        const a = alone[i]!;
        const t = together![i]!;
        expect({ cmd: c, stdout: t.stdout, code: t.code }).toEqual({ cmd: c, stdout: a.stdout, code: a.code });
        // Only a syntax error reads differently: "bash: -c: line 1:" alone, "bash: eval: line 20:" in the batch.
        const norm = (e: string) => e.replace(/bash: (?:-c|eval): line \d+:/g, 'bash: line N:').replace(/bash: line \d+:/g, 'bash: line N:');
        expect(norm(t.stderr), c).toBe(norm(a.stderr));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a result that is not whole (cut off, or from another batch)', () => {
    const b = batchScript(['echo one', 'echo two']);
    const full = bash(b.script, tmpdir());
    expect(b.parse(full)).toHaveLength(2);
    expect(b.parse({ ...full, stdout: full.stdout.slice(0, full.stdout.length - 8) })).toBeUndefined();
    expect(batchScript(['echo one', 'echo two']).parse(full)).toBeUndefined();
  });
});
