// service(): a service running (and enabled at boot), through systemd or the sysv scripts, whichever the host has.
import { quote } from '../../transport/quote.js';
import { initSystem } from '../facts.js';
import type { HostContext, Step } from '../types.js';

export interface ServiceSpec {
  name: string;
  /** Also make it start at boot. */
  enabled?: boolean;
}

function cmds(init: 'systemd' | 'sysv', svc: string) {
  const s = quote(svc);
  return init === 'systemd'
    ? { status: `systemctl is-active --quiet ${s}`, start: `systemctl start ${s}`, isEnabled: `systemctl is-enabled --quiet ${s}`, enable: `systemctl enable ${s}` }
    : {
        status: `service ${s} status >/dev/null 2>&1`,
        start: `service ${s} start`,
        // sysv: a start link in the default runlevel is what "enabled" means.
        isEnabled: `ls /etc/rc2.d/S??${svc} >/dev/null 2>&1`,
        enable: `update-rc.d ${s} defaults >/dev/null && update-rc.d ${s} enable`,
      };
}

export function service(spec: ServiceSpec): Step {
  return {
    name: `service ${spec.name} running${spec.enabled ? ' and enabled' : ''}`,
    async reads(h) {
      const c = cmds(await h.fact(initSystem), spec.name);
      return spec.enabled ? [c.status, c.isEnabled] : [c.status];
    },
    async check(h) {
      const c = cmds(await h.fact(initSystem), spec.name);
      const [running, enabled] = await Promise.all([h.run(c.status), spec.enabled ? h.run(c.isEnabled) : null]);
      const todo: string[] = [];
      if (enabled && enabled.code !== 0) todo.push(c.enable);
      if (running.code !== 0) todo.push(c.start);
      return todo.length ? { state: 'change', commands: todo } : { state: 'ok' };
    },
    async apply(h, check) {
      for (const cmd of check.commands ?? []) await h.sh(cmd);
    },
  };
}

/** Reload a running service (start it when it is not running). Throws with the service's own words. */
export async function reloadService(h: HostContext, name: string): Promise<void> {
  await h.sh(await reloadCommand(h, name));
}

/** What reloadService would run now: a reload when the service runs, else a start (also shown by dry runs). */
export async function reloadCommand(h: HostContext, name: string): Promise<string> {
  const c = cmds(await h.fact(initSystem), name);
  const running = (await h.run(c.status)).code === 0;
  return running ? (c.start.startsWith('systemctl') ? `systemctl reload ${quote(name)}` : `service ${quote(name)} reload`) : c.start;
}
