// service(): a service running (and enabled at boot), through systemd or the sysv scripts, whichever the host has.
//
// The checks ask the host which init it runs inside the command itself, so a no-op check needs no facts (one
// round trip less per host), and on sysv hosts they run no program at all when the service is up: a live
// process behind its pid file answers, as the init script's own `status` would after starting six processes.
import { quote } from '../../transport/quote.js';
import { initSystem } from '../facts.js';
import { StepError, type HostContext, type Step } from '../types.js';
import type { ServiceAction } from '../actions/types.js';

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

/** Exit 0 when the service is there at all: a systemd unit or a sysv script. */
function installedCommand(name: string): string {
  const n = quote(name);
  return `for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do [ -e "$d"/${n}.service ] && exit 0; done; [ -e /etc/init.d/${n} ]`;
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
      // A dry run before the package is installed cannot know what its install leaves (Debian's postinst enables and
      // starts most services): it stops here, as a plan that needs an earlier step's result does, rather than list
      // an enable and a start the real run would not do.
      if (h.dryRun && (await h.run(installedCommand(spec.name))).code !== 0) {
        throw new StepError(`${spec.name} is not installed yet: what its service needs is known once the step that installs it has run`);
      }
      // Only now does it matter which init runs the change.
      const init = await h.fact(initSystem);
      const actions: ServiceAction[] = [];
      if (enabled && enabled.code !== 0) actions.push({ kind: 'service', name: spec.name, op: 'enable', init });
      if (running.code !== 0) actions.push({ kind: 'service', name: spec.name, op: 'start', init, status });
      return { state: 'change', actions };
    },
  };
}

/** The reload of a running service (a start when it is not running), as an action: a file's activation
 * (file({ activate: (h) => reloadService(h, spec) })), also shown by dry runs. Reads which init and whether it runs.
 * The start does not wait for the service (no `status`): a reload's caller checks the service in its own step. */
export async function reloadService(h: HostContext, spec: ServiceSpec): Promise<ServiceAction> {
  const init = await h.fact(initSystem);
  return (await h.run(statusCommand(spec))).code === 0
    ? { kind: 'service', name: spec.name, op: 'reload', init }
    : { kind: 'service', name: spec.name, op: 'start', init };
}
