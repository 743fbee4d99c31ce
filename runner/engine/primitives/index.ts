// The building blocks recipes are made of. Each is a Step: a read-only check that plans its actions.
export { file, type FileChange, type FileSpec } from './file.js';
export { replace, type ReplaceSpec } from './replace.js';
export { command, type CommandSpec } from './command.js';
export { service, reloadService, type ServiceSpec } from './service.js';
export { packages, aptAction, aptGet, lockTimeout, type PackagesSpec } from './apt.js';
