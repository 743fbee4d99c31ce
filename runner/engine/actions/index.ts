// Plans as data: action types, the commands they run, how plans show them, and the one executor.
export type { Action, ActionOutcome, ActionView, Activation, Init, PackagesAction, RemoveAction, RunAction, ServiceAction, WriteAction } from './types.js';
export { commandsOf, viewOf } from './describe.js';
export { executeActions, sourceError, type ApplyPhase } from './execute.js';
export { BACKUP_SUFFIX, PENDING_SUFFIX, VALIDATE_SUFFIX } from './commands.js';
