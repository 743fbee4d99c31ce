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
];

export { options, secrets, hostVars } from './options.js';
export { preflight } from './preflight.js';
export { haPreflight as clusterPreflight } from './ha-preflight.js';
