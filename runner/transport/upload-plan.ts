// The remote side of an atomic upload: the shell script that turns a written temp file into the target.
// Kept pure (strings in, string out) so it can be read and tested without a server.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { quote } from './quote.js';

export const TEMP_PREFIX = '.haforge-tmp-';

export function tempName(): string {
  return `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`;
}

/** Temp path in the target's directory: the final rename then stays on one filesystem, hence atomic. */
export function tempBeside(target: string): string {
  return posix.join(posix.dirname(target), tempName());
}

export interface Placement {
  mode: number;
  owner?: string;
  group?: string;
}

function octal(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new RangeError(`invalid file mode ${mode}`);
  return `0${mode.toString(8)}`;
}

/** On failure: remove the temp, keep the exit status. `mv -T` refuses to move into a directory. */
function guarded(steps: string[], cleanup: string[]): string {
  return `{ ${steps.join(' && ')}; } || { rc=$?; ${cleanup.join('; ')}; exit $rc; }`;
}

/** The temp file already sits beside the target: set owner and mode, then rename over the target. */
export function finishInPlace(tmp: string, target: string, p: Placement): string {
  const steps: string[] = [];
  if (p.owner !== undefined) steps.push(`chown ${quote(p.group !== undefined ? `${p.owner}:${p.group}` : p.owner)} -- ${quote(tmp)}`);
  else if (p.group !== undefined) steps.push(`chgrp ${quote(p.group)} -- ${quote(tmp)}`);
  steps.push(`chmod ${octal(p.mode)} -- ${quote(tmp)}`);
  steps.push(`mv -f -T -- ${quote(tmp)} ${quote(target)}`);
  return guarded(steps, [`rm -f -- ${quote(tmp)}`]);
}

/** A non-root login staged the file somewhere it may write (its home); as root, copy it beside the target
 * with owner and mode (install), rename it over the target, and remove the staged copy in every case. */
export function finishFromStaging(staged: string, target: string, p: Placement): string {
  const tmp = tempBeside(target);
  const install = ['install', '-m', octal(p.mode)];
  if (p.owner !== undefined) install.push('-o', quote(p.owner));
  if (p.group !== undefined) install.push('-g', quote(p.group));
  install.push('-T', '--', quote(staged), quote(tmp));
  const body = guarded(
    [install.join(' '), `mv -f -T -- ${quote(tmp)} ${quote(target)}`],
    [`rm -f -- ${quote(tmp)} ${quote(staged)}`],
  );
  return `${body}; rm -f -- ${quote(staged)}`;
}
