// Before any connection (exit 2): the node `drain|maint|ready` names must be a web node of the inventory, and
// the only one is never taken away without --force.
import type { Inventory, Vars } from '../runner/inventory/types.js';

export function serverStatePreflight(inv: Inventory, vars: Readonly<Vars>): { problem?: string } {
  const node = vars['server_node'];
  if (node === undefined) return {};
  const web = inv.groups['web'] ?? [];
  if (typeof node !== 'string' || !web.includes(node)) {
    return { problem: `${inv.file}: unknown web node ${JSON.stringify(node)}; the web nodes are ${web.join(', ') || 'none'}` };
  }
  const action = vars['server_action'];
  if ((action === 'drain' || action === 'maint') && web.length === 1 && vars['force'] !== true) {
    return { problem: `${node} is the only web node of ${inv.file}: refused to ${action} it (--force does it anyway)` };
  }
  return {};
}
