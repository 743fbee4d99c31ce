// service(): a service running (and enabled at boot), through systemd or the sysv scripts, whichever the host has.
//
// The checks ask the host which init it runs inside the command itself, so a no-op check needs no facts (one
// round trip less per host), and on sysv hosts they run no program at all when the service is up: a live
// process behind its pid file answers, as the init script's own `status` would after starting six processes.
import { quote } from '../../transport/quote.js';
import { initSystem } from '../facts.js';
import { StepError, type HostContext, type Step } from '../types.js';

export interface ServiceSpec {
  name: string;
  /** Also make it start at boot. */
  enabled?: boolean;
  /** The pid file the service writes (sysv hosts): a live process named `process` behind it means running. */
  pidFile?: string;
  /** The process name behind pidFile, as /proc/PID/comm shows it (at most 15 characters); default: name. */
  process?: string;
}

const SYSTEMD = '[ -d /run/systemd/system ]';

/**
 * Exit 0 when the service runs, on either init. On sysv a live process of the service's name behind its pid file
 * answers at once; anything else (no file, a dead PID, another program, as with a wrapper script) is left to
 * the init script's own `status`, whose word it is.
 */
export function statusCommand(spec: Pick<ServiceSpec, 'name' | 'pidFile' | 'process'>): string {
  const s = quote(spec.name);
  const script = `service ${s} status >/dev/null 2>&1`;
  const sysv = spec.pidFile
    ? `{ read p < ${quote(spec.pidFile)} && read c < "/proc/$p/comm" && [ "$c" = ${quote(spec.process ?? spec.name)} ]; } 2>/dev/null || ${script}`
    : script;
  return `if ${SYSTEMD}; then systemctl is-active --quiet ${s}; else ${sysv}; fi`;
}

/** Exit 0 when the service starts at boot: systemd's word, or a start link in sysv's default runlevel. */
function enabledCommand(name: string): string {
  // A glob instead of `ls`: no process when the link is there.
  return `if ${SYSTEMD}; then systemctl is-enabled --quiet ${quote(name)}; else e=1; for f in /etc/rc2.d/S??${quote(name)}; do [ -e "$f" ] && e=0; done; [ $e = 0 ]; fi`;
}

function changeCommands(init: 'systemd' | 'sysv', svc: string) {
  const s = quote(svc);
  return init === 'systemd'
    ? { start: `systemctl start ${s}`, enable: `systemctl enable ${s}`, reload: `systemctl reload ${s}` }
    : { start: `service ${s} start`, enable: `update-rc.d ${s} defaults >/dev/null && update-rc.d ${s} enable`, reload: `service ${s} reload` };
}

export function service(spec: ServiceSpec): Step {
  const status = statusCommand(spec);
  const isEnabled = enabledCommand(spec.name);
  return {
    name: `service ${spec.name} running${spec.enabled ? ' and enabled' : ''}`,
    reads: () => (spec.enabled ? [status, isEnabled] : [status]),
    async check(h) {
      const [running, enabled] = await Promise.all([h.run(status), spec.enabled ? h.run(isEnabled) : null]);
      if (running.code === 0 && (!enabled || enabled.code === 0)) return { state: 'ok' };
      // Only now does it matter which init runs the change.
      const c = changeCommands(await h.fact(initSystem), spec.name);
      const todo: string[] = [];
      if (enabled && enabled.code !== 0) todo.push(c.enable);
      if (running.code !== 0) todo.push(c.start);
      return { state: 'change', commands: todo };
    },
    async apply(h, check) {
      const init = await h.fact(initSystem);
      const { start } = changeCommands(init, spec.name);
      const starts = check.commands?.includes(start) ?? false;
      // systemd says only "see journalctl" when a unit fails to start: the journal since then says why.
      const since = init === 'systemd' && starts ? (await h.sh('date +%s')).trim() : '';
      let said = '';
      try {
        for (const cmd of check.commands ?? []) said = await h.sh(cmd);
        // Debian's scripts can say "Action 'start' failed" and still exit 0 (apache2 when port 80 is taken):
        // the service is running only when the check says so. (The start is the last command.)
        if (starts) await waitRunning(h, spec, status, said);
      } catch (e) {
        if (!since || !(e instanceof StepError)) throw e;
        const journal = await journalSince(h, spec.name, since);
        throw new StepError(`${e.message}${journal ? `; its journal: ${journal}` : ''}`, e.detail);
      }
    },
  };
}

/** A daemon may write its pid file a moment after its start command returned: asks again for up to 3 s. */
async function waitRunning(h: HostContext, spec: ServiceSpec, status: string, said: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    if ((await h.run(status)).code === 0) return;
    if (waited >= 3000) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  // Its own words: the line that says what failed, else its last line with words in it.
  const lines = said.split('\n').map((l) => l.trim()).filter((l) => /[a-z]/i.test(l));
  const why = lines.find((l) => /fail|error|cannot|unable/i.test(l)) ?? lines.pop();
  throw new StepError(`${spec.name} is not running after its start${why ? ` (it said: ${why})` : ''}`);
}

/** How many of the unit's journal lines a failed start quotes: the first ones say what went wrong. */
const JOURNAL_LINES = 6;

/** The first lines a unit logged since `since` (the host's epoch seconds), joined; '' when none or unreadable. */
async function journalSince(h: HostContext, name: string, since: string): Promise<string> {
  const r = await h.run(`journalctl -q -u ${quote(name)} --since @${since} -o cat --no-pager | head -n ${JOURNAL_LINES}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ');
}

/** Reload a running service (start it when it is not running). Throws with the service's own words. */
export async function reloadService(h: HostContext, spec: ServiceSpec): Promise<void> {
  await h.sh(await reloadCommand(h, spec));
}

/** What reloadService would run now: a reload when the service runs, else a start (also shown by dry runs). */
export async function reloadCommand(h: HostContext, spec: ServiceSpec): Promise<string> {
  const c = changeCommands(await h.fact(initSystem), spec.name);
  return (await h.run(statusCommand(spec))).code === 0 ? c.reload : c.start;
}
