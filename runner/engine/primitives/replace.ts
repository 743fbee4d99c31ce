// replace(): the sed step. Lines matching a pattern are rewritten; a file or line that is absent is fine.
import { quote } from '../../transport/quote.js';
import { unifiedDiff } from './diff.js';
import { createHash } from 'node:crypto';
import type { Step } from '../types.js';
import type { WriteAction } from '../actions/types.js';

export interface ReplaceSpec {
  path: string;
  /** Must have the `m` flag when anchored per line; `g` is added. */
  pattern: RegExp;
  replacement: string;
  name?: string;
  notify?: string[];
}

export function replace(spec: ReplaceSpec): Step {
  const global = new RegExp(spec.pattern.source, spec.pattern.flags.includes('g') ? spec.pattern.flags : `${spec.pattern.flags}g`);
  const p = quote(spec.path);
  // Mode, owner and group come back with the content: the new file is put in place with all three (M3, issue 21).
  const read = `if [ -f ${p} ]; then stat -c '%a %U %G' ${p}; cat ${p}; else echo absent; fi`;
  return {
    name: spec.name ?? `replace in ${spec.path}`,
    notify: spec.notify,
    reads: () => [read],
    async check(h) {
      const r = await h.run(read);
      if (r.stdout === 'absent\n') return { state: 'ok', note: `${spec.path} is absent` };
      const nl = r.stdout.indexOf('\n');
      const [mode, owner, group] = r.stdout.slice(0, nl).split(' ');
      const current = r.stdout.slice(nl + 1);
      const next = current.replace(global, spec.replacement);
      if (next === current) return { state: 'ok', note: 'no line to change' };
      const write: WriteAction = {
        kind: 'write', path: spec.path, mode: parseInt(mode ?? '644', 8), ...(owner ? { owner } : {}), ...(group ? { group } : {}),
        sha256: createHash('sha256').update(next).digest('hex'), size: Buffer.byteLength(next), content: next,
      };
      return { state: 'change', diff: (await unifiedDiff())(spec.path, spec.path, current, next), actions: [write] };
    },
  };
}
