// command(): a command guarded by a check, like Ansible's `creates` / `unless`.
import { quote } from '../../transport/quote.js';
import type { Step } from '../types.js';

export interface CommandSpec {
  name: string;
  run: string;
  /** The command is not needed when this exits 0. */
  unless?: string;
  /** The command is not needed when this path exists. */
  creates?: string;
  notify?: string[];
}

export function command(spec: CommandSpec): Step {
  const guard = spec.unless ?? (spec.creates ? `test -e ${quote(spec.creates)}` : undefined);
  return {
    name: spec.name,
    notify: spec.notify,
    reads: () => (guard ? [guard] : []),
    async check(h) {
      if (guard && (await h.run(guard)).code === 0) return { state: 'ok' };
      return { state: 'change', actions: [{ kind: 'run', command: spec.run }] };
    },
  };
}
