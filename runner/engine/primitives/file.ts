// file(): a file with this content, mode and owner. Validated on a temp copy before it is installed,
// the old one kept as a backup, and rolled back when activation (e.g. a reload) fails.
import { quote } from '../../transport/quote.js';
import { unifiedDiff } from './diff.js';
import { TEMP_PREFIX } from '../../transport/upload-plan.js';
import { StepError, type HostContext, type Step } from '../types.js';

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
  /** Run after install when the content changed; if it throws, the backup is restored and it runs again. */
  activate?: (h: HostContext) => Promise<void>;
  /** The command activate would run, for dry runs to show (activate itself is code). */
  activates?: (h: HostContext) => string | Promise<string>;
  /** Hide the content in diffs (keys, certificates with keys). */
  sensitive?: boolean;
  /** Hide parts of the content in diffs (a password hash): applied to both sides before the diff is made. */
  mask?: (content: string) => string;
  name?: string;
  notify?: string[];
  /** Commands content() runs with h.run(), read ahead with the file itself (see Step.reads). */
  reads?: (h: HostContext) => string[];
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

/** Beside PATH while its new content is installed but not yet activated (reloaded): a run cut off there
 * (connection lost, Ctrl-C twice) leaves it, and the next run activates again though the content matches. */
export const PENDING_SUFFIX = '.haforge-pending';
export const VALIDATE_SUFFIX = '.haforge-validate';
export const BACKUP_SUFFIX = '.haforge-bak';

const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

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
  let wanted = '';
  let reactivate = false;
  let tidy = false;
  return {
    name: spec.name ?? `file ${spec.path}`,
    notify: spec.notify,
    reads: (h) => [...(spec.reads?.(h) ?? []), readCommand(h, spec.path)],
    async check(h) {
      wanted = typeof spec.content === 'function' ? await spec.content(h) : spec.content;
      reactivate = false;
      tidy = false;
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
        if (!(cur.pending && spec.activate)) {
          if (cur.leftover === 0) return { state: 'ok' };
          tidy = true;
          return { state: 'change', bookkeeping: true, note: `${cur.leftover} leftover upload temp(s) of a cut-off run removed` };
        }
        // Installed by a run that stopped before activating it: activate now (no new upload, same backup).
        reactivate = true;
        return { state: 'change', note: 'installed by an interrupted run but not activated yet: activate it' };
      }
      const diff = await diffOf(spec, cur, wanted);
      // What apply would run on the host, for dry runs: the validation of a copy, then the activation.
      const commands = [
        ...(spec.validate ? [spec.validate.replaceAll('{}', quote(`${spec.path}${VALIDATE_SUFFIX}`))] : []),
        ...(spec.activates ? [await spec.activates(h)] : []),
      ];
      return { state: 'change', note: why.join(', '), diff, ...(commands.length ? { commands } : {}) };
    },
    async apply(h) {
      if (tidy) return void (await h.sh(removeLeftovers(h, spec.path)));
      if (reactivate) return activate(h, spec);
      await install(h, spec, wanted);
    },
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

async function install(h: HostContext, spec: FileSpec, content: string): Promise<void> {
  const path = quote(spec.path);
  const opts = { mode: spec.mode, owner: spec.owner, group: spec.group };
  const backup = quote(`${spec.path}${BACKUP_SUFFIX}`);
  const keep = spec.backup || spec.activate;
  const dir = quote(dirOf(spec.path));
  // One round trip: the folder exists, and the old file is kept when asked.
  // Not over a backup kept for a file that was never activated (pending): that one is the last good state.
  const pending = quote(spec.path + PENDING_SUFFIX);
  await h.sh(`${removeLeftovers(h, spec.path)}; mkdir -p ${dir}${keep ? ` && if [ -f ${path} ] && [ ! -e ${pending} ]; then cp -p ${path} ${backup}; fi` : ''}`);
  if (spec.validate) {
    // Validate a copy beside the target (same filesystem, same relative paths) before touching the target.
    const tmp = quote(`${spec.path}${VALIDATE_SUFFIX}`);
    await h.upload(`${spec.path}${VALIDATE_SUFFIX}`, content, { ...opts, mode: 0o600 });
    const r = await h.run(`${spec.validate.replaceAll('{}', tmp)}; code=$?; rm -f ${tmp}; exit $code`);
    if (r.code !== 0) {
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /ALERT|WARNING|error|fatal/i.test(l));
      throw new StepError(`validation failed, ${spec.path} left unchanged: ${(lines[0] ?? r.stderr.trim()).trim()}`, r.stderr);
    }
  }
  // The marker goes down before the new file and comes off only once it is active (see PENDING_SUFFIX).
  if (spec.activate) await h.sh(`: > ${quote(spec.path + PENDING_SUFFIX)}`);
  await h.upload(spec.path, content, opts);
  if (spec.activate) await activate(h, spec);
}

/** Runs the activation; when it fails, puts the backup back and activates that, so the service keeps its
 * last good state. The pending marker is removed once a state is active. */
async function activate(h: HostContext, spec: FileSpec): Promise<void> {
  const path = quote(spec.path);
  const backup = quote(`${spec.path}${BACKUP_SUFFIX}`);
  const settled = `rm -f -- ${quote(spec.path + PENDING_SUFFIX)}`;
  try {
    await spec.activate!(h);
    await h.sh(settled);
  } catch (err) {
    // Put back atomically too (copy beside, then rename): the service must never read a half-copied file.
    const tmp = quote(`${dirOf(spec.path)}/${TEMP_PREFIX}restore`);
    const restored = await h.run(`if [ -f ${backup} ]; then cp -p ${backup} ${tmp} && mv -f ${tmp} ${path}; else exit 3; fi`);
    const again =
      restored.code === 3
        ? 'there is no previous file to restore'
        : restored.code !== 0
          ? `restoring the previous file failed: ${restored.stderr.trim().split('\n').pop() ?? `exit ${restored.code}`}`
          : await spec.activate!(h).then(
            async () => {
              await h.sh(settled);
              return 'the previous file was restored and reloaded';
            },
            (e: unknown) => `restoring the previous file also failed: ${e instanceof Error ? e.message : String(e)}`,
          );
    const msg = err instanceof Error ? err.message : String(err);
    throw new StepError(`${msg}; ${again}`);
  }
}
