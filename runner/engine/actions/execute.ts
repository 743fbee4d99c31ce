// The one executor of plans: runs a step's actions in order, each through the commands commands.ts gives it
// (the ones its dry run showed), and says whether they changed the host. The outcome of every action follows
// from its own fields; no step runs code of its own here.
import { quote } from '../../transport/quote.js';
import { StepError, type HostContext } from '../types.js';
import { aptGet } from './apt-get.js';
import { aptArgs, removeCommand, serviceCommand } from './commands.js';
import { runWrite } from './execute-write.js';
import type { Action, ActionOutcome, PackagesAction, ServiceAction } from './types.js';

/** How a step's commands are tagged for a recording transport: a change, or haforge's own bookkeeping. */
export type ApplyPhase = 'apply' | 'bookkeeping';

/** Runs the actions in order; stops at the first that fails (a StepError saying why). */
export async function executeActions(h: HostContext, actions: readonly Action[], phase: ApplyPhase = 'apply'): Promise<ActionOutcome> {
  let changed = false;
  let note: string | undefined;
  for (const a of actions) {
    const out = await executeAction(h, a, phase);
    changed ||= out.changed;
    note = out.note ?? note;
  }
  return { changed: changed && phase === 'apply', ...(note ? { note } : {}) };
}

export async function executeAction(h: HostContext, a: Action, phase: ApplyPhase): Promise<ActionOutcome> {
  switch (a.kind) {
    case 'run':
      await h.sh(a.command, { phase });
      return { changed: !a.bookkeeping };
    case 'remove':
      await h.sh(removeCommand(a.paths), { phase });
      return { changed: true };
    case 'service':
      await runService(h, a, phase);
      return { changed: true };
    case 'packages':
      return runPackages(h, a, phase);
    case 'write':
      await runWrite(h, a, phase);
      return { changed: true };
  }
}

/** A service command; after a start, the service must be running (systemd's journal says why when not). */
export async function runService(h: HostContext, a: ServiceAction, phase: ApplyPhase): Promise<void> {
  const cmd = serviceCommand(a.init, a.op, a.name);
  if (a.op !== 'start') return void (await h.sh(cmd, { phase }));
  // systemd says only "see journalctl" when a unit fails to start: the journal since then says why.
  const since = a.init === 'systemd' ? (await h.sh('date +%s')).trim() : '';
  try {
    const said = await h.sh(cmd, { phase });
    // Debian's scripts can say "Action 'start' failed" and still exit 0 (apache2 when port 80 is taken):
    // the service is running only when its status says so.
    if (a.status) await waitRunning(h, a.name, a.status, said);
  } catch (e) {
    if (!since || !(e instanceof StepError)) throw e;
    const journal = await journalSince(h, a.name, since);
    throw new StepError(`${e.message}${journal ? `; its journal: ${journal}` : ''}`, e.detail);
  }
}

/** A daemon may write its pid file a moment after its start command returned: asks again for up to 3 s. */
async function waitRunning(h: HostContext, name: string, status: string, said: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    if ((await h.run(status)).code === 0) return;
    if (waited >= 3000) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  // Its own words: the line that says what failed, else its last line with words in it.
  const lines = said.split('\n').map((l) => l.trim()).filter((l) => /[a-z]/i.test(l));
  const why = lines.find((l) => /fail|error|cannot|unable/i.test(l)) ?? lines.pop();
  throw new StepError(`${name} is not running after its start${why ? ` (it said: ${why})` : ''}`);
}

/** How many of the unit's journal lines a failed start quotes: the first ones say what went wrong. */
const JOURNAL_LINES = 6;

/** The first lines a unit logged since `since` (the host's epoch seconds), joined; '' when none or unreadable. */
async function journalSince(h: HostContext, name: string, since: string): Promise<string> {
  const r = await h.run(`journalctl -q -u ${quote(name)} --since @${since} -o cat --no-pager | head -n ${JOURNAL_LINES}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');
}

/** apt's words for a signature it cannot check (gpgv on bookworm, sqv on trixie). Anything else (a 403 from a
 * proxy, a 404, a refused connection) is not a key problem and must not be reported as one. */
const VERIFY_FAILURE = /NO_PUBKEY|EXPKEYSIG|BADSIG|is not signed|signatures couldn't be verified|signature verification|Missing key|GPG error/i;

/** The reason apt gave for a source on an `Err:N URL SUITE ...` line (the next line), if any. */
export function sourceError(out: string, url: string): string | undefined {
  const base = url.replace(/\/+$/, '');
  const lines = out.split('\n');
  for (const [i, line] of lines.entries()) {
    if (/^Err:\d+ /.test(line) && line.slice(line.indexOf(' ') + 1).startsWith(`${base} `)) {
      return (lines[i + 1]?.trim() || line).trim();
    }
  }
  return undefined;
}

async function runPackages(h: HostContext, a: PackagesAction, phase: ApplyPhase): Promise<ActionOutcome> {
  const o = { lockTimeoutS: a.lockTimeoutS, updateTimeoutS: a.updateTimeoutS, phase };
  if (!a.verify) return outcomeOf(a, await aptGet(h, aptArgs(a), o));
  const { url, suite, rollback } = a.verify;
  try {
    const out = await aptGet(h, aptArgs(a), o);
    // apt-get update exits 0 when a source that has older lists fails (it warns on stderr and keeps the old
    // lists, e.g. a key replaced by a wrong one): look for the source's own `Err:` line on stdout.
    const bad = sourceError(out, url) ?? /(NO_PUBKEY \S+|is not signed|The following signatures couldn't be verified[^\n]*|EXPKEYSIG \S+)/.exec(out)?.[1];
    if (bad) throw new StepError(bad);
    return outcomeOf(a, out);
  } catch (err) {
    await h.sh(rollback, { phase });
    const why = err instanceof Error ? err.message : String(err);
    const what = VERIFY_FAILURE.test(why) ? `apt could not verify ${url} ${suite} with the given key` : `apt could not use ${url} ${suite}`;
    throw new StepError(`${what} (${why}); haforge's source files were rolled back, apt is as it was`);
  }
}

function outcomeOf(a: PackagesAction, out: string): ActionOutcome {
  if (a.changed === 'never') return { changed: false, ...(a.op === 'update' ? { note: 'package lists refreshed' } : {}) };
  if (a.changed !== 'upgraded') return { changed: true };
  const m = /(\d+) upgraded, (\d+) newly installed/.exec(out);
  const n = m ? Number(m[1]) + Number(m[2]) : 0;
  return { changed: n > 0, note: `${n} package(s) upgraded or installed` };
}
