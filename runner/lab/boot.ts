// Starting a lab's hosts and waiting until each is ready: systemd hosts when `systemctl is-system-running`
// says running (or degraded, reported with the failed units), then for every host its sshd answering.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labExec } from './exec.js';
import { hostInitPid, initLogTail, startHost } from './hosts.js';
import { startSystemdHost } from './nspawn.js';
import { LabError } from './preflight.js';
import { alive, tcpAnswers, trace, waitFor } from './proc.js';
import { INIT_SH, NSPAWN_SH } from './scripts.js';
import { writeLab, type LabHost, type LabInfo } from './state.js';

/** A systemd host that has not finished booting by then is a failure: its failed units are named. */
export const BOOT_LIMIT_S = 60;

export async function startHosts(info: LabInfo, log: (l: string) => void, limitS = BOOT_LIMIT_S): Promise<void> {
  const script = path.join(info.stateDir, info.init === 'systemd' ? 'nspawn.sh' : 'init.sh');
  writeFileSync(script, info.init === 'systemd' ? NSPAWN_SH : INIT_SH, { mode: 0o755 });
  for (const h of info.hosts) {
    h.pid = (info.init === 'systemd' ? startSystemdHost : startHost)(info.name, info.stateDir, h.name, h.address, script);
  }
  writeLab(info); // the PIDs, before any wait: an up that dies now leaves nothing `down` cannot find
  trace('hosts started');
  if (info.init === 'systemd') {
    await Promise.all(info.hosts.map((h) => waitForBoot(info, h, log, limitS)));
    trace('all hosts booted');
  }
  await waitForSsh(info);
  trace('all sshd answer');
}

/** Units that failed, as `a.service, b.service` ('' when none). */
async function failedUnits(info: LabInfo, h: LabHost): Promise<string> {
  const r = await labExec(info, h.name, 'systemctl list-units --failed --plain --no-legend --no-pager', { timeoutMs: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean)
    .join(', ');
}

/** systemd's PID 1 takes inotify instances; a machine's 128 per user are gone after about 30 hosts (all labs). */
export function inotifyHint(log: string): string {
  if (!/Failed to allocate manager object: Too many open files/.test(log)) return '';
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return '?';
    }
  };
  return ` (the machine's fs.inotify.max_user_instances, ${read('/proc/sys/fs/inotify/max_user_instances')}, is used up by the systemd hosts running: \`sysctl -w fs.inotify.max_user_instances=1024\` raises it, or \`--init sysv\` hosts need none)`;
}

async function waitForBoot(info: LabInfo, h: LabHost, log: (l: string) => void, limitS: number): Promise<void> {
  const end = Date.now() + limitS * 1000;
  // PID 1 exists once nspawn has set the host up and exec'd systemd; only then can we enter it.
  const started = await waitFor(() => !alive(h.pid) || hostInitPid(info.stateDir, h.name, h.pid, info.init) !== undefined, limitS * 1000, 50);
  if (!started || !alive(h.pid)) {
    const tail = initLogTail(info.stateDir, h.name);
    throw new LabError(`host ${h.name}: systemd-nspawn ${alive(h.pid) ? 'did not start systemd' : 'exited'}; log: ${tail || '(empty)'}${inotifyHint(tail)}`);
  }
  const left = Math.max(1, Math.ceil((end - Date.now()) / 1000));
  // --wait blocks until the boot is done: one process per host instead of a polling loop. Right after exec,
  // systemd may not listen yet (systemctl would print nothing): wait for its socket first.
  const wait = `until [ -S /run/systemd/private ]; do sleep 0.05; done; exec systemctl is-system-running --wait`;
  const r = await labExec(info, h.name, `timeout ${left} sh -c '${wait}'`, { timeoutMs: (left + 5) * 1000 });
  const state = r.stdout.trim().split('\n').pop() ?? '';
  if (state === 'running') return;
  const failed = await failedUnits(info, h).catch(() => '');
  if (state === 'degraded') {
    log(`host ${h.name} is degraded: failed units ${failed || '(none listed)'}`);
    return;
  }
  const jobs = await labExec(info, h.name, 'systemctl list-jobs --plain --no-legend --no-pager | head -5', { timeoutMs: 10_000 }).catch(() => undefined);
  const waiting = jobs?.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[1]).filter(Boolean).join(', ');
  throw new LabError(
    `host ${h.name} did not finish booting within ${limitS} s${state ? ` (systemd says ${state})` : ''}; ` +
      `failed units: ${failed || 'none'}${waiting ? `; still starting: ${waiting}` : ''}`,
  );
}

async function waitForSsh(info: LabInfo): Promise<void> {
  const limit = 20_000 + 500 * info.hosts.length;
  await Promise.all(
    info.hosts.map(async (h) => {
      let died = false;
      const ok = await waitFor(async () => {
        if (!alive(h.pid)) return (died = true);
        return tcpAnswers(h.address, 22, 'SSH-', 500);
      }, limit);
      if (!ok || died) {
        const why = died ? 'its first process exited' : `sshd did not answer within ${limit / 1000} s`;
        throw new LabError(`host ${h.name}: ${why}; init log: ${initLogTail(info.stateDir, h.name) || '(empty)'}`);
      }
    }),
  );
}
