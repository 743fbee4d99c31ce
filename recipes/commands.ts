// Commands that are one recipe with vars from their words: `haforge drain web1` is `haforge run server-state
// --server-node web1 --server-action drain`. The CLI offers them by name and knows nothing of what they do.
import type { Vars } from '../runner/inventory/types.js';

export interface RecipeCommand {
  name: string;
  usage: string;
  summary: string;
  recipe: string;
  /** The words after the command, as vars; or a problem (exit 2). */
  args(words: readonly string[]): { vars: Vars } | { problem: string };
}

function serverCommand(state: 'drain' | 'maint' | 'ready', summary: string): RecipeCommand {
  return {
    name: state,
    usage: `${state} NODE${state === 'drain' ? ' [--timeout S]' : ''}${state === 'ready' ? '' : ' [--force]'}`,
    summary,
    recipe: 'server-state',
    args(words) {
      if (words.length !== 1) return { problem: `\`haforge ${state}\` needs exactly one web node name, e.g. haforge ${state} web1` };
      return { vars: { server_node: words[0]!, server_action: state } };
    },
  };
}

export const commands: RecipeCommand[] = [
  serverCommand('drain', 'on every LB: no new requests for the node, then wait until its sessions reach 0'),
  serverCommand('maint', 'on every LB: the node in maintenance (no traffic, no health checks)'),
  serverCommand('ready', 'on every LB: the node serves again'),
];
