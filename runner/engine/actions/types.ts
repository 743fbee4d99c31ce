// Plans as data (issue 14, item 4): what a check found to do, as typed actions. The engine runs exactly these
// (actions/execute.ts), and dry runs show exactly their commands (actions/describe.ts): one plan, two readers.
// Every outcome a step needs (apt upgraded nothing, a failed reload rolled back) is a property here, not code.

/** An init system: the service commands differ (runner/engine/facts.ts initSystem). */
export type Init = 'systemd' | 'sysv';

/** A service command through the host's init. `start` waits (a few seconds) until the service runs. */
export interface ServiceAction {
  kind: 'service';
  name: string;
  op: 'start' | 'enable' | 'reload' | 'restart';
  init: Init;
  /** Exit 0 when the service runs (statusCommand): asked after a start, since init scripts can exit 0 and fail. */
  status?: string;
}

/** A command that must exit 0. `bookkeeping`: it touches only haforge's own records (a stamp), no change. */
export interface RunAction {
  kind: 'run';
  command: string;
  bookkeeping?: boolean;
}

/** Paths removed (absent ones are fine). */
export interface RemoveAction {
  kind: 'remove';
  paths: string[];
}

/**
 * A file's new content applied to the running service itself (through its runtime API), with no reload: the
 * file is written so that the next start or reload reads the same. `what` says in plans what it does instead
 * of a reload. Its command must be safe to run again (a cut-off run activates again). When it fails, `fallback`
 * (a reload, say) runs instead with the new file in place; only when that fails too is the old file restored.
 */
export interface LiveAction {
  kind: 'live';
  command: string;
  what: string;
  fallback: ServiceAction | RunAction;
}

/** What a file's activation may be: its service reloaded (or started), a command, or a live change. */
export type Activation = ServiceAction | RunAction | LiveAction;

/**
 * A file put in place atomically (upload: temp beside it, mode/owner set, rename). With `validate`, a copy is
 * checked first and a failure leaves the file untouched. With `activate`, the old file is kept as a backup, a
 * pending marker covers the window between upload and activation, and a failed activation restores the backup
 * and activates that. `activateOnly`: the content is already there (a run cut off before its activation).
 */
export interface WriteAction {
  kind: 'write';
  path: string;
  mode: number;
  owner?: string;
  group?: string;
  /** The content's SHA-256 (hex) and size in bytes: what plans show instead of the content. */
  sha256: string;
  size: number;
  /** Never shown, not even as a diff (keys). */
  sensitive?: boolean;
  /** A command that validates the new content; `{}` is the copy's path (quoted). */
  validate?: string;
  /** Keep the previous file as PATH.haforge-bak (implied by activate). */
  backup?: boolean;
  activate?: Activation;
  activateOnly?: boolean;
  /** A shell command removing what a cut-off run left beside the file (runs with the folder's creation). */
  cleanup?: string;
  /** The bytes: kept off plans and reports (describe.ts shows the hash). */
  content: string | Buffer;
}

/**
 * apt-get, noninteractive, keeping config files, with a bounded lock wait (apt.ts aptGet). `changed`: whether
 * running it counts as a change: always (default), never (refreshing lists), or when apt says it upgraded or
 * installed something. `verify`: after an update, apt must have fetched this source; if not, `rollback` runs
 * and the step fails saying so.
 */
export interface PackagesAction {
  kind: 'packages';
  op: 'install' | 'dist-upgrade' | 'update';
  names: string[];
  lockTimeoutS: number;
  updateTimeoutS: number;
  changed?: 'always' | 'never' | 'upgraded';
  verify?: { url: string; suite: string; rollback: string };
}

export type Action = WriteAction | PackagesAction | RunAction | ServiceAction | RemoveAction;

/** What running a step's actions came to. */
export interface ActionOutcome {
  changed: boolean;
  note?: string;
}

/** An action as plans and --json show it: every field but the content, and the commands it runs. */
export type ActionView = { kind: Action['kind']; commands: string[] } & Record<string, unknown>;
