// The recipe catalogue, in the order the tutorial does things. The planner orders by `after`; ties keep this order.
import type { Recipe } from '../runner/engine/types.js';
import { systemUpdate } from './system-update.js';
import { haproxyRepo } from './haproxy-repo.js';
import { haproxyInstall } from './haproxy-install.js';
import { haproxyEnable } from './haproxy-enable.js';
import { haproxyConfig } from './haproxy-config.js';
import { haproxyService } from './haproxy-service.js';
import { apacheInstall } from './apache-install.js';
import { verify } from './verify.js';
import { keepalivedConfig, keepalivedInstall } from './keepalived.js';
import { facts } from './facts.js';
import { haStatus } from './ha-status.js';
import { haFailover } from './ha-failover.js';
import { serverState } from './server-state.js';
import { haPreflight } from './ha-preflight.js';
import { serverStatePreflight } from './ops-preflight.js';
import type { Inventory, Vars } from '../runner/inventory/types.js';

export const recipes: Recipe[] = [
  systemUpdate,
  haproxyRepo,
  haproxyInstall,
  keepalivedInstall,
  haproxyEnable,
  haproxyConfig,
  haproxyService,
  keepalivedConfig,
  apacheInstall,
  verify,
  // Not part of `up`'s work, but harmless in it: read-only.
  facts,
  // The HA pair's operations (`haforge status`, `haforge failover`): only when named.
  haStatus,
  haFailover,
  // drain / maint / ready (`haforge drain NODE`): only when named.
  serverState,
];

export { options, secrets, hostVars } from './options.js';
export { preflight } from './preflight.js';
export { commands } from './commands.js';

/** Checks across hosts before any connection: the HA pair's (failover's too), then drain/maint/ready's node. */
export function clusterPreflight(inv: Inventory, run: { recipes: readonly string[]; vars: Readonly<Vars> } = { recipes: [], vars: {} }): { problem?: string; warnings?: string[] } {
  const ha = haPreflight(inv, run);
  if (ha.problem) return ha;
  return { ...serverStatePreflight(inv, run.vars), warnings: ha.warnings ?? [] };
}
