// apt-get as actions run it: noninteractive, keeping config files, the lock waited for a bounded time, a hung
// `apt-get update` tried again, an interrupted dpkg finished, output turned into progress lines.
import type { RunOptions } from '../../transport/types.js';
import { StepError, type HostContext } from '../types.js';
import { aptCommand } from './commands.js';

export interface AptOptions {
  /** Seconds to wait for the dpkg/apt lock held by another process. */
  lockTimeoutS?: number;
  /** Seconds one `apt-get update` may take before it is stopped and tried again. */
  updateTimeoutS?: number;
  /** How the commands are tagged for a recording transport (RunOptions.phase). */
  phase?: RunOptions['phase'];
}

/** A number of seconds: the option given, else the host's var, else the default. */
export function seconds(h: HostContext, given: number | undefined, varName: string, fallback: number): number {
  const v = given ?? h.vars[varName];
  return typeof v === 'number' ? v : fallback;
}

/** Lock wait in seconds: the host's `apt_lock_timeout` var, else 120. */
export function lockTimeout(h: HostContext, o: AptOptions = {}): number {
  return seconds(h, o.lockTimeoutS, 'apt_lock_timeout', 120);
}

/** A lock another process holds, as apt words it (stdout or stderr, apt 2.6 and 3.0). */
export function lockHolder(output: string): { lock: string; holder?: string } | undefined {
  const held = /Could not get lock (\/\S+?)\.?\s+It is held by process (\d+)(?: \(([^)]*)\))?/.exec(output);
  if (held) return { lock: held[1]!, holder: `process ${held[2]}${held[3] ? ` (${held[3]})` : ''}` };
  const other =
    /Could not get lock (\/\S+?)\.?(?:\s|$)/.exec(output) ??
    /Unable to acquire the dpkg frontend lock \((\/\S+)\)/.exec(output) ??
    /Unable to lock (?:the administration )?directory \(?(\/\S+?)\)?,?\s/.exec(output);
  return other ? { lock: other[1]! } : undefined;
}

/**
 * Runs apt-get noninteractively, keeping existing config files, waiting for the lock a bounded time,
 * and turning its output into progress lines. Resolves with stdout; throws a one-line StepError.
 *
 * dpkg's locks are waited for by apt itself (DPkg::Lock::Timeout); `apt-get update` does not wait for the
 * lists lock (apt 2.6 fails at once), so a lock error is also retried here until the same deadline.
 */
/** Seconds an apt-get install/upgrade (after its lock wait) or a dpkg repair may run before it is stopped. */
export const APT_RUN_TIMEOUT_S = 3600;

export async function aptGet(h: HostContext, args: string, o: AptOptions = {}): Promise<string> {
  const wait = lockTimeout(h, o);
  const deadline = Date.now() + wait * 1000;
  let repaired = false;
  // `apt-get update` can hang for good when a proxy drops a connection mid-answer (apt's http method then sits
  // on a half-closed socket; seen behind apt-cacher-ng). Bound it, and try again: a second fetch goes through.
  const isUpdate = args.trim() === 'update';
  const updateTimeoutS = seconds(h, o.updateTimeoutS, 'apt_update_timeout', 180);
  let hungUpdates = 0;
  for (;;) {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    // The same words a plan shows (actions/commands.ts), with the lock wait that is left.
    const cmd = aptCommand(args, left);
    let partial = '';
    const r = await h.run(cmd, {
      onOutput(chunk) {
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          const p = progressOf(line);
          if (p) h.progress(p);
        }
      },
      // Installs and upgrades may rightly take long: their own limit, above the run's --command-timeout.
      timeoutMs: isUpdate ? updateTimeoutS * 1000 : (left + APT_RUN_TIMEOUT_S) * 1000,
      ...(o.phase ? { phase: o.phase } : {}),
    });
    if (r.code === 0) return r.stdout;
    if (isUpdate && (r.interrupted === 'timeout' || r.code === 124)) {
      if (++hungUpdates <= 2) {
        h.progress(`apt-get update gave no result in ${updateTimeoutS}s; trying again`);
        continue;
      }
      throw new StepError(`apt-get update hung ${hungUpdates} times (${updateTimeoutS}s each); check the host's mirror or proxy, or raise apt_update_timeout`);
    }
    if (!isUpdate && r.interrupted === 'timeout') {
      throw new StepError(`apt-get ${args.split(' ')[0]} gave no result in ${left + APT_RUN_TIMEOUT_S} s and was stopped; the next run finishes what dpkg can`);
    }
    const lock = lockHolder(`${r.stderr}\n${r.stdout}`);
    if (lock && Date.now() < deadline) {
      h.progress(`waiting for apt lock ${lock.lock}${lock.holder ? ` (held by ${lock.holder})` : ''}`);
      await new Promise((ok) => setTimeout(ok, Math.min(2000, deadline - Date.now())));
      continue;
    }
    if (lock) {
      throw new StepError(
        `apt lock ${lock.lock} still busy after ${wait}s${lock.holder ? ` (held by ${lock.holder})` : ''}; ` +
          'wait for the other apt/dpkg to finish, or raise apt_lock_timeout (--apt-lock-timeout SECONDS)',
        r.stderr,
      );
    }
    // An earlier run (ours or anyone's) was cut off in the middle of dpkg: finish its configuration, as
    // apt asks, once, then try again. Without this a host interrupted mid-install would never converge.
    if (!repaired && /dpkg was interrupted/.test(r.stderr)) {
      repaired = true;
      h.progress('finishing an interrupted dpkg run (dpkg --configure -a)');
      await h.sh(`DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a`, { timeoutMs: APT_RUN_TIMEOUT_S * 1000, ...(o.phase ? { phase: o.phase } : {}) });
      continue;
    }
    const err = r.stderr.split('\n').filter((l) => l.startsWith('E:') || l.startsWith('W:'))[0] ?? r.stderr.trim().split('\n').pop();
    throw new StepError(`apt-get ${args.split(' ')[0]} failed: ${err ?? `exit ${r.code}`}`, r.stderr);
  }
}

function progressOf(line: string): string | undefined {
  let m = /^Get:\d+ \S+ \S+ \S+ (\S+) /.exec(line);
  if (m) return `downloading ${m[1]}`;
  m = /^(Unpacking|Setting up|Preparing to unpack|Processing triggers for) (\S+)/.exec(line);
  if (m) return `${m[1]!.toLowerCase()} ${m[2]!.replace(/^\.\.\/\S*\//, '')}`;
  if (/^(Hit|Ign|Get):\d+/.test(line)) return 'reading package lists';
  return undefined;
}
