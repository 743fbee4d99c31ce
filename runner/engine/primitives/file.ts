// file(): a file with this content, mode and owner. Validated on a temp copy before it is installed,
// the old one kept as a backup, and rolled back when activation (e.g. a reload) fails.
import { createHash } from 'node:crypto';
import { quote } from '../../transport/quote.js';
import { unifiedDiff } from './diff.js';
import { TEMP_PREFIX } from '../../transport/upload-plan.js';
import { StepError, type HostContext, type Step } from '../types.js';
import { dirOf, PENDING_SUFFIX, VALIDATE_SUFFIX } from '../actions/commands.js';
import type { Activation, WriteAction } from '../actions/types.js';

export { BACKUP_SUFFIX, PENDING_SUFFIX, VALIDATE_SUFFIX } from '../actions/commands.js';

export interface FileSpec {
  path: string;
  content: string | ((h: HostContext) => string | Promise<string>);
  mode: number;
  owner?: string;
  group?: string;
  /** A command that validates the new content; `{}` is replaced by the temp file's path. */
  validate?: string;
  /** Keep the previous file as PATH.haforge-bak (always on when activate is set). */
  backup?: boolean;
  /** What runs after install when the content changed (a reload, say reloadService(h, spec)), decided by the
   * check from the change; undefined: nothing this time. If it fails, the backup is restored and it runs again. */
  activate?: (h: HostContext, change: FileChange) => Activation | undefined | Promise<Activation | undefined>;
  /** Hide the content in diffs (keys, certificates with keys). */
  sensitive?: boolean;
  /** Hide parts of the content in diffs (a password hash): applied to both sides before the diff is made. */
  mask?: (content: string) => string;
  name?: string;
  notify?: string[];
  /** Commands content() runs with h.run(), read ahead with the file itself (see Step.reads). */
  reads?: (h: HostContext) => string[];
}

/** What activate() is told: the content on the host (absent: new file, or unknown after a cut-off run) and the
 * wanted one, so it can choose how to apply the difference (a reload, or live through a runtime API). */
export interface FileChange {
  before?: string;
  after: string;
}

interface Current {
  exists: boolean;
  /** An earlier run installed the file but stopped before its activation (reload) finished. */
  pending?: boolean;
  /** Upload leftovers old enough to remove. */
  leftover: number;
  mode?: string;
  owner?: string;
  group?: string;
  content?: string;
}

const SEP = '--haforge-sep--';

/** Leftovers younger than this may be another run's upload in flight (two runs at once on one host, or two
 * inventory names for one machine): they are left for a later run. */
const LEFTOVER_MIN_AGE_MIN = 2;

/**
 * What an earlier run cut off mid-upload may have left beside the file: upload temps (TEMP_PREFIX*) and the
 * validation copy, once LEFTOVER_MIN_AGE_MIN minutes old. Uploads are atomic (temp, then rename), so such
 * leftovers are never the file itself. `find` runs only for what exists: with nothing left over (the usual case)
 * a root login starts no process for it (a non-root one still looks up its home).
 */
function eachLeftover(h: HostContext, path: string, body: string): string {
  // A non-root login stages uploads in its home (see the transport): look there too.
  const home = h.spec.user === 'root' ? '' : ` "$(getent passwd ${quote(h.spec.user)} | cut -d: -f6)"/${TEMP_PREFIX}*`;
  return `for f in ${quote(dirOf(path))}/${TEMP_PREFIX}* ${quote(path + VALIDATE_SUFFIX)}${home}; do [ -e "$f" ] && ${body}; done 2>/dev/null; true`;
}

const OLD = `find "$f" -maxdepth 0 -type f -mmin +${LEFTOVER_MIN_AGE_MIN}`;

/** Removes the leftovers old enough (apply only). */
const removeLeftovers = (h: HostContext, path: string) => eachLeftover(h, path, `${OLD} -exec rm -f -- {} +`);

/** One round trip, read-only: whether activation is pending, how many leftovers there are, stat and content. */
function readCommand(h: HostContext, path: string): string {
  const p = quote(path);
  const count = `o=0; ${eachLeftover(h, path, `[ -n "$(${OLD})" ] && o=$((o+1))`)}; `;
  const pending = `if [ -e ${quote(path + PENDING_SUFFIX)} ]; then echo "pending $o"; else echo "settled $o"; fi; `;
  return `${count}${pending}if [ -f ${p} ]; then stat -c '%a %U %G' ${p} && echo ${SEP} && cat ${p}; else echo absent; fi`;
}

async function readCurrent(h: HostContext, path: string): Promise<Current> {
  const r = await h.run(readCommand(h, path));
  if (r.code !== 0) throw new StepError(`cannot read ${path}: ${r.stderr.trim()}`);
  const nl = r.stdout.indexOf('\n');
  const [state, left] = r.stdout.slice(0, nl).split(' ');
  const isPending = state === 'pending';
  const out = r.stdout.slice(nl + 1);
  const leftover = Number(left) || 0;
  if (out.trim() === 'absent') return { exists: false, pending: isPending, leftover };
  const i = out.indexOf(`${SEP}\n`);
  const [mode, owner, group] = out.slice(0, i).trim().split(' ');
  return { exists: true, pending: isPending, leftover, mode, owner, group, content: out.slice(i + SEP.length + 1) };
}

export function file(spec: FileSpec): Step {
  return {
    name: spec.name ?? `file ${spec.path}`,
    notify: spec.notify,
    reads: (h) => [...(spec.reads?.(h) ?? []), readCommand(h, spec.path)],
    async check(h) {
      const wanted = typeof spec.content === 'function' ? await spec.content(h) : spec.content;
      const cur = await readCurrent(h, spec.path);
      const mode = spec.mode.toString(8);
      const why: string[] = [];
      if (!cur.exists) why.push('absent');
      else {
        if (cur.content !== wanted) why.push('content');
        if (cur.mode !== mode) why.push(`mode ${cur.mode} -> ${mode}`);
        if (spec.owner && cur.owner !== spec.owner) why.push(`owner ${cur.owner} -> ${spec.owner}`);
        if (spec.group && cur.group !== spec.group) why.push(`group ${cur.group} -> ${spec.group}`);
      }
      if (why.length === 0) {
        const activation = cur.pending ? await spec.activate?.(h, { after: wanted }) : undefined;
        if (!activation) {
          if (cur.leftover === 0) return { state: 'ok' };
          const tidy = { kind: 'run' as const, command: removeLeftovers(h, spec.path), bookkeeping: true };
          return { state: 'change', bookkeeping: true, note: `${cur.leftover} leftover upload temp(s) of a cut-off run removed`, actions: [tidy] };
        }
        // Installed by a run that stopped before activating it: activate now (no new upload, same backup).
        const again: WriteAction = { ...writeAction(h, spec, wanted, activation), activateOnly: true };
        return { state: 'change', note: 'installed by an interrupted run but not activated yet: activate it', actions: [again] };
      }
      const activation = await spec.activate?.(h, { ...(cur.content !== undefined ? { before: cur.content } : {}), after: wanted });
      // Plans say which way the change goes when it is not the usual reload (the runtime way, no reload).
      const note = activation?.kind === 'live' ? `${why.join(', ')}; applied live, no reload: ${activation.what}` : why.join(', ');
      return { state: 'change', note, diff: await diffOf(spec, cur, wanted), actions: [writeAction(h, spec, wanted, activation)] };
    },
  };
}

/** The write the check plans: the content's hash for plans, the content itself for the executor only. */
function writeAction(h: HostContext, spec: FileSpec, content: string, activate: Activation | undefined): WriteAction {
  const bytes = Buffer.from(content);
  return {
    kind: 'write',
    path: spec.path,
    mode: spec.mode,
    ...(spec.owner ? { owner: spec.owner } : {}),
    ...(spec.group ? { group: spec.group } : {}),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    ...(spec.sensitive ? { sensitive: true } : {}),
    ...(spec.validate ? { validate: spec.validate } : {}),
    ...(spec.backup || activate ? { backup: true } : {}),
    ...(activate ? { activate } : {}),
    cleanup: removeLeftovers(h, spec.path),
    content,
  };
}

/** What a change shows: nothing of a sensitive file, and a masked file's secrets as the mask leaves them. */
async function diffOf(spec: FileSpec, cur: Current, wanted: string): Promise<string> {
  if (spec.sensitive) return `(content of ${spec.path} hidden: sensitive)`;
  const show = spec.mask ?? ((t: string) => t);
  const [before, after] = [show(cur.content ?? ''), show(wanted)];
  if (before === after && cur.content !== undefined && cur.content !== wanted) return `(${spec.path}: only masked values change)`;
  return (await unifiedDiff())(spec.path, spec.path, before, after, cur.exists ? 'current' : 'absent', 'wanted');
}
