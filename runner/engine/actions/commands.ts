// The exact commands and uploads each action makes the transport run, on its way to success. describe.ts shows
// them and execute.ts runs them: both take them from here, so a plan and its execution cannot drift apart.
import { quote } from '../../transport/quote.js';
import { uploadLine } from '../../transport/recording.js';
import { TEMP_PREFIX } from '../../transport/upload-plan.js';
import type { Activation, Init, PackagesAction, ServiceAction, WriteAction } from './types.js';

/** Beside PATH while its new content is installed but not yet activated (reloaded): a run cut off there
 * (connection lost, Ctrl-C twice) leaves it, and the next run activates again though the content matches. */
export const PENDING_SUFFIX = '.haforge-pending';
export const VALIDATE_SUFFIX = '.haforge-validate';
export const BACKUP_SUFFIX = '.haforge-bak';

export const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

export function serviceCommand(init: Init, op: ServiceAction['op'], name: string): string {
  const s = quote(name);
  if (init === 'systemd') return `systemctl ${op} ${s}`;
  return op === 'enable' ? `update-rc.d ${s} defaults >/dev/null && update-rc.d ${s} enable` : `service ${s} ${op}`;
}

/** apt-get noninteractive, keeping config files, waiting `lockWaitS` for dpkg's lock. */
export function aptCommand(args: string, lockWaitS: number): string {
  return (
    `DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${lockWaitS} ` +
    `-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${args}`
  );
}

export function aptArgs(a: PackagesAction): string {
  return a.op === 'install' ? `install ${a.names.map(quote).join(' ')}` : a.op;
}

export const removeCommand = (paths: readonly string[]) => `rm -f -- ${paths.map(quote).join(' ')}`;

export function activationCommand(a: Activation): string {
  return a.kind === 'service' ? serviceCommand(a.init, a.op, a.name) : a.command;
}

export interface Upload {
  path: string;
  content: string | Buffer;
  opts: { mode: number; owner?: string; group?: string; sensitive?: boolean };
}

/** A write, in the order it runs. Every field is a command or an upload, present only when it runs. */
export interface WritePlan {
  /** Leftovers removed, the folder made, the old file kept. */
  prepare?: string;
  validate?: { copy: Upload; run: string };
  /** The pending marker set before the upload and removed once activated (see PENDING_SUFFIX). */
  mark?: string;
  upload?: Upload;
  activate?: string;
  /** Run instead when a live activation fails (see LiveAction), before any rollback. */
  fallback?: string;
  settle?: string;
}

export function writePlan(a: WriteAction): WritePlan {
  const path = quote(a.path);
  const pending = quote(a.path + PENDING_SUFFIX);
  const placement = { mode: a.mode, ...(a.owner ? { owner: a.owner } : {}), ...(a.group ? { group: a.group } : {}), ...(a.sensitive ? { sensitive: true } : {}) };
  const fallback = a.activate?.kind === 'live' ? { fallback: activationCommand(a.activate.fallback) } : {};
  const activation = a.activate && { activate: activationCommand(a.activate), ...fallback, settle: `rm -f -- ${pending}` };
  if (a.activateOnly) return { ...activation };
  const keep = a.backup || a.activate;
  // Not over a backup kept for a file that was never activated (pending): that one is the last good state.
  const backup = keep ? `if [ -f ${path} ] && [ ! -e ${pending} ]; then cp -p ${path} ${quote(a.path + BACKUP_SUFFIX)}; fi` : '';
  const prepare = a.cleanup || keep ? `${a.cleanup ? `${a.cleanup}; ` : ''}mkdir -p ${quote(dirOf(a.path))}${backup ? ` && ${backup}` : ''}` : undefined;
  const copy = `${a.path}${VALIDATE_SUFFIX}`;
  return {
    ...(prepare ? { prepare } : {}),
    ...(a.validate
      ? { validate: { copy: { path: copy, content: a.content, opts: { ...placement, mode: 0o600 } }, run: `${a.validate.replaceAll('{}', quote(copy))}; code=$?; rm -f ${quote(copy)}; exit $code` } }
      : {}),
    ...(a.activate ? { mark: `: > ${pending}` } : {}),
    upload: { path: a.path, content: a.content, opts: placement },
    ...activation,
  };
}

/** The write's lines, uploads as the recording transport logs them. */
export function writeLines(p: WritePlan): string[] {
  const up = (u: Upload) => uploadLine(u.path, u.content, u.opts);
  return [
    ...(p.prepare ? [p.prepare] : []),
    ...(p.validate ? [up(p.validate.copy), p.validate.run] : []),
    ...(p.mark ? [p.mark] : []),
    ...(p.upload ? [up(p.upload)] : []),
    ...(p.activate ? [p.activate] : []),
    ...(p.settle ? [p.settle] : []),
  ];
}

/** Puts the backup back atomically (copy beside, rename): the service must never read a half-copied file. */
export function restoreCommand(path: string): string {
  const tmp = quote(`${dirOf(path)}/${TEMP_PREFIX}restore`);
  const backup = quote(`${path}${BACKUP_SUFFIX}`);
  return `if [ -f ${backup} ]; then cp -p ${backup} ${tmp} && mv -f ${tmp} ${quote(path)}; else exit 3; fi`;
}
