// file(): a file with this content, mode and owner. Validated on a temp copy before it is installed,
// the old one kept as a backup, and rolled back when activation (e.g. a reload) fails.
import { createTwoFilesPatch } from 'diff';
import { quote } from '../../transport/quote.js';
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
  /** Hide the content in diffs (keys, certificates with keys). */
  sensitive?: boolean;
  name?: string;
  notify?: string[];
}

interface Current {
  exists: boolean;
  mode?: string;
  owner?: string;
  group?: string;
  content?: string;
}

const SEP = '--haforge-sep--';

/** One round trip: stat and content together. */
async function readCurrent(h: HostContext, path: string): Promise<Current> {
  const p = quote(path);
  const r = await h.run(`if [ -f ${p} ]; then stat -c '%a %U %G' ${p} && echo ${SEP} && cat ${p}; else echo absent; fi`);
  if (r.code !== 0) throw new StepError(`cannot read ${path}: ${r.stderr.trim()}`);
  if (r.stdout.trim() === 'absent') return { exists: false };
  const i = r.stdout.indexOf(`${SEP}\n`);
  const [mode, owner, group] = r.stdout.slice(0, i).trim().split(' ');
  return { exists: true, mode, owner, group, content: r.stdout.slice(i + SEP.length + 1) };
}

export function file(spec: FileSpec): Step {
  let wanted = '';
  return {
    name: spec.name ?? `file ${spec.path}`,
    notify: spec.notify,
    async check(h) {
      wanted = typeof spec.content === 'function' ? await spec.content(h) : spec.content;
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
      if (why.length === 0) return { state: 'ok' };
      const diff = spec.sensitive
        ? `(content of ${spec.path} hidden: sensitive)`
        : createTwoFilesPatch(spec.path, spec.path, cur.content ?? '', wanted, cur.exists ? 'current' : 'absent', 'wanted');
      return { state: 'change', note: why.join(', '), diff };
    },
    async apply(h) {
      await install(h, spec, wanted);
    },
  };
}

async function install(h: HostContext, spec: FileSpec, content: string): Promise<void> {
  const path = quote(spec.path);
  const opts = { mode: spec.mode, owner: spec.owner, group: spec.group };
  const backup = quote(`${spec.path}.haforge-bak`);
  const keep = spec.backup || spec.activate;
  const dir = quote(spec.path.slice(0, spec.path.lastIndexOf('/')) || '/');
  // One round trip: the folder exists, and the old file is kept when asked.
  await h.sh(`mkdir -p ${dir}${keep ? ` && if [ -f ${path} ]; then cp -p ${path} ${backup}; fi` : ''}`);
  if (spec.validate) {
    // Validate a copy beside the target (same filesystem, same relative paths) before touching the target.
    const tmp = quote(`${spec.path}.haforge-validate`);
    await h.upload(`${spec.path}.haforge-validate`, content, { ...opts, mode: 0o600 });
    const r = await h.run(`${spec.validate.replaceAll('{}', tmp)}; code=$?; rm -f ${tmp}; exit $code`);
    if (r.code !== 0) {
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /ALERT|WARNING|error|fatal/i.test(l));
      throw new StepError(`validation failed, ${spec.path} left unchanged: ${(lines[0] ?? r.stderr.trim()).trim()}`, r.stderr);
    }
  }
  await h.upload(spec.path, content, opts);
  if (!spec.activate) return;
  try {
    await spec.activate(h);
  } catch (err) {
    // Put the old file back and activate it again, so the service keeps its last good state.
    await h.sh(`if [ -f ${backup} ]; then cp -p ${backup} ${path}; fi`);
    const again = await spec.activate(h).then(
      () => 'the previous file was restored and reloaded',
      (e: unknown) => `restoring the previous file also failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    const msg = err instanceof Error ? err.message : String(err);
    throw new StepError(`${msg}; ${again}`);
  }
}
