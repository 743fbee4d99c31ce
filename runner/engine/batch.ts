// Several read-only commands in one remote exec, each answered as if it had run alone (stdout, stderr, exit code).
//
// Why one exec and not one channel each: every SSH exec makes sshd fork a session and start a shell. Measured on
// the lab (21 hosts, 2 CPUs): 8 `true` on 8 channels per host cost 3.6 ms of CPU each, the same 8 in one script
// 1.2 ms each; when many hosts share the CPUs, that is the difference between a no-op run that scales and one
// that does not. Over a real network it is also one round trip instead of several.
//
// Each command runs in its own subshell through `eval` (a syntax error stays in its own answer, `exit` or `cd`
// do not leak), with stdin from /dev/null like an exec channel. Answers are framed by a random marker on both
// streams, so neither output nor errors need temp files.
import { randomBytes } from 'node:crypto';
import { quote } from '../transport/quote.js';
import type { RunResult } from '../transport/types.js';

export interface Batch {
  script: string;
  /** Splits the batch's own result into one result per command (same order), or undefined if it is not whole. */
  parse(r: RunResult): RunResult[] | undefined;
}

export function batchScript(cmds: readonly string[]): Batch {
  const marker = `--haforge-batch-${randomBytes(8).toString('hex')}`;
  const parts = cmds.map(
    (cmd, i) =>
      `printf '%s\\n' '${marker} ${i} begin'; printf '%s\\n' '${marker} ${i} begin' >&2; ` +
      `( eval ${quote(cmd)} ) </dev/null; c=$?; ` +
      `printf '\\n%s %s\\n' '${marker} ${i} end' "$c"; printf '\\n%s\\n' '${marker} ${i} end' >&2`,
  );
  return {
    script: parts.join('\n'),
    parse(r) {
      const out: RunResult[] = [];
      for (let i = 0; i < cmds.length; i++) {
        const stdout = section(r.stdout, `${marker} ${i} begin\n`, `\n${marker} ${i} end `);
        const stderr = section(r.stderr, `${marker} ${i} begin\n`, `\n${marker} ${i} end\n`);
        if (!stdout || !stderr) return undefined;
        const code = Number(/^(\d+)\n/.exec(r.stdout.slice(stdout.after))?.[1]);
        if (!Number.isInteger(code)) return undefined;
        out.push({ stdout: stdout.text, stderr: stderr.text, code, signal: null });
      }
      return out;
    },
  };
}

function section(s: string, begin: string, end: string): { text: string; after: number } | undefined {
  const b = s.indexOf(begin);
  if (b < 0) return undefined;
  const from = b + begin.length;
  const e = s.indexOf(end, from);
  if (e < 0) return undefined;
  return { text: s.slice(from, e), after: e + end.length };
}
