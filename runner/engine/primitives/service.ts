// service(): a service running (and enabled at boot), through systemd or the sysv scripts, whichever the host has.
//
// The checks ask the host which init it runs inside the command itself, so a no-op check needs no facts (one
// round trip less per host), and on sysv hosts they run no program at all when the service is up: a live
// process behind its pid file answers, as the init script's own `status` would after starting six processes.
import { quote } from '../../transport/quote.js';
import { initSystem } from '../facts.js';
import type { HostContext, Step } from '../types.js';

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

/** What statusCommand exits with when the pid file names no live process of the service (a stale pid file). */
const STALE = 100;

/**
 * Exit 0 when the service runs, on either init. On sysv with a pid file, the file decides: it must name a live
 * process of that name (Debian's init scripts only ask whether the PID exists, so a stale file whose PID was
 * reused reads "running" to them, and their `start` then does nothing); a stale file exits STALE.
 */
export function statusCommand(spec: Pick<ServiceSpec, 'name' | 'pidFile' | 'process'>): string {
  const s = quote(spec.name);
  const script = `service ${s} status >/dev/null 2>&1`;
  const pf = spec.pidFile && quote(spec.pidFile);
  const sysv = pf
    ? `if [ -e ${pf} ]; then p=; c=; { read p < ${pf}; read c < "/proc/$p/comm"; } 2>/dev/null; ` +
      `[ -n "$p" ] && [ "$c" = ${quote(spec.process ?? spec.name)} ] || exit ${STALE}; else ${script}; fi`
    : script;
  return `if ${SYSTEMD}; then systemctl is-active --quiet ${s}; else ${sysv}; fi`;
}

/** Exit 0 when the service starts at boot: systemd's word, or a start link in sysv's default runlevel. */
function enabledCommand(name: string): string {
  // A glob instead of `ls`: no process when the link is there.
  return `if ${SYSTEMD}; then systemctl is-enabled --quiet ${quote(name)}; else e=1; for f in /etc/rc2.d/S??${quote(name)}; do [ -e "$f" ] && e=0; done; [ $e = 0 ]; fi`;
}

/** The commands that change things; `start` clears a stale pid file first (status STALE), or the script would not start. */
function changeCommands(init: 'systemd' | 'sysv', spec: ServiceSpec, status: number | null) {
  const s = quote(spec.name);
  const clear = status === STALE && spec.pidFile ? `rm -f ${quote(spec.pidFile)} && ` : '';
  return init === 'systemd'
    ? { start: `systemctl start ${s}`, enable: `systemctl enable ${s}`, reload: `systemctl reload ${s}` }
    : { start: `${clear}service ${s} start`, enable: `update-rc.d ${s} defaults >/dev/null && update-rc.d ${s} enable`, reload: `service ${s} reload` };
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
      const c = changeCommands(await h.fact(initSystem), spec, running.code);
      const todo: string[] = [];
      if (enabled && enabled.code !== 0) todo.push(c.enable);
      if (running.code !== 0) todo.push(c.start);
      return { state: 'change', commands: todo };
    },
    async apply(h, check) {
      for (const cmd of check.commands ?? []) await h.sh(cmd);
    },
  };
}

/** Reload a running service (start it when it is not running). Throws with the service's own words. */
export async function reloadService(h: HostContext, spec: ServiceSpec): Promise<void> {
  await h.sh(await reloadCommand(h, spec));
}

/** What reloadService would run now: a reload when the service runs, else a start (also shown by dry runs). */
export async function reloadCommand(h: HostContext, spec: ServiceSpec): Promise<string> {
  const status = (await h.run(statusCommand(spec))).code;
  const c = changeCommands(await h.fact(initSystem), spec, status);
  return status === 0 ? c.reload : c.start;
}
