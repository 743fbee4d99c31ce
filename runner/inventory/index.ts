// The inventory module: read and validate an inventory file, pick hosts for --limit.
export type { AuthSpec, HostSpec, Inventory, Vars } from './types.js';
export { InventoryError, LimitError, formatProblem, type Problem } from './errors.js';
export {
  DEFAULT_PASSWORD_ENV,
  DEFAULT_PORT,
  DEFAULT_SUDO_PASSWORD_ENV,
  DEFAULT_USER,
  buildInventory,
  loadInventory,
  parseInventory,
  readInventoryInput,
  readInventorySource,
  type LoadOptions,
  type ParseOptions,
} from './load.js';
export { isAddress } from './schema.js';
export { selectHosts } from './select.js';
