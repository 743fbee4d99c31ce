// A recording transport (tests, the dry-run-equals-execution proof): every command a Remote runs and every
// upload it makes is appended to a log file, one line each, tagged read / apply / bookkeeping (RunOptions.phase).
// Uploads are logged as their path, placement, size and SHA-256, never their content; lines pass the run's
// redaction first. The file is created 0600 and refused when anyone else could read it.
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, fstatSync, openSync } from 'node:fs';
import type { Remote, UploadOptions } from './types.js';

/** The environment variable naming the log file; unset, nothing is recorded. */
export const RECORD_ENV = 'HAFORGE_RECORD_COMMANDS';

/**
 * How an upload is shown: by dry runs (the plan) and by the recording (what was done), in the same words. A
 * sensitive file's line has no size or hash: a hash fingerprints a secret (a short one can be guessed from it),
 * and a key made afresh for each plan would not match the one a later run makes.
 */
export function uploadLine(path: string, content: string | Buffer, o: Pick<UploadOptions, 'mode' | 'owner' | 'group' | 'sensitive'> = {}): string {
  const bytes = Buffer.from(content);
  const who = o.owner || o.group ? ` ${o.owner ?? ''}:${o.group ?? ''}` : '';
  const what = o.sensitive ? 'sensitive content' : `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
  return `upload ${path} (mode ${(o.mode ?? 0o644).toString(8).padStart(4, '0')}${who}, ${what})`;
}

/** Opens (creates) the log 0600; throws when it exists with group or other access. */
function openLog(file: string): number {
  const fd = openSync(file, 'a', 0o600);
  if ((fstatSync(fd).mode & 0o077) !== 0) {
    closeSync(fd);
    throw new Error(`${RECORD_ENV}: ${file} is readable by others (chmod 600 it)`);
  }
  return fd;
}

/** Wraps a Remote so that what it runs is logged to `file` as `HOST PHASE LINE`. */
export function recordingRemote(remote: Remote, file: string, redact: (text: string) => string): Remote {
  const fd = openLog(file);
  const log = (phase: string, line: string) => appendFileSync(fd, `${remote.name} ${phase} ${redact(line).replaceAll('\n', '\\n')}\n`);
  return {
    name: remote.name,
    isRoot: remote.isRoot,
    run(cmd, opts) {
      log(opts?.phase ?? 'read', cmd);
      return remote.run(cmd, opts);
    },
    upload(path, content, opts) {
      log('apply', uploadLine(path, content, opts));
      return remote.upload(path, content, opts);
    },
    async close() {
      try {
        await remote.close();
      } finally {
        closeSync(fd);
      }
    },
  };
}
