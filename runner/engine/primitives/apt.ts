// apt: packages installed (optionally at a version), and the shared apt-get runner with lock waiting and progress.
import { quote } from '../../transport/quote.js';
import { StepError, type HostContext, type Step } from '../types.js';

export interface AptOptions {
  /** Seconds to wait for the dpkg/apt lock held by another process. */
  lockTimeoutS?: number;
}

/** Lock wait in seconds: the host's `apt_lock_timeout` var, else 120. */
export function lockTimeout(h: HostContext, o: AptOptions = {}): number {
  const v = o.lockTimeoutS ?? h.vars['apt_lock_timeout'];
  return typeof v === 'number' ? v : 120;
}

/**
 * Runs apt-get noninteractively, keeping existing config files, waiting for the lock a bounded time,
 * and turning its output into progress lines. Resolves with stdout; throws a one-line StepError.
 */
export async function aptGet(h: HostContext, args: string, o: AptOptions = {}): Promise<string> {
  const wait = lockTimeout(h, o);
  const cmd =
    `DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${wait} ` +
    `-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${args}`;
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
  });
  if (r.code === 0) return r.stdout;
  const lock = /Could not get lock ([^\s.]+(?:\.[^\s.]+)*)\.?\s*(It is held by process \d+(?: \([^)]*\))?)?/.exec(r.stderr);
  if (lock) throw new StepError(`apt lock ${lock[1]} still busy after ${wait}s${lock[2] ? ` (${lock[2].replace('It is held', 'held')})` : ''}`);
  const err = r.stderr.split('\n').filter((l) => l.startsWith('E:') || l.startsWith('W:'))[0] ?? r.stderr.trim().split('\n').pop();
  throw new StepError(`apt-get ${args.split(' ')[0]} failed: ${err ?? `exit ${r.code}`}`, r.stderr);
}

function progressOf(line: string): string | undefined {
  let m = /^Get:\d+ \S+ \S+ \S+ (\S+) /.exec(line);
  if (m) return `downloading ${m[1]}`;
  m = /^(Unpacking|Setting up|Preparing to unpack|Processing triggers for) (\S+)/.exec(line);
  if (m) return `${m[1]!.toLowerCase()} ${m[2]!.replace(/^\.\.\/\S*\//, '')}`;
  if (/^(Hit|Ign|Get):\d+/.test(line)) return 'reading package lists';
  return undefined;
}

export interface PackagesSpec extends AptOptions {
  /** Debian package names, optionally `name=version` where version may end in `*`. */
  names: string[];
  name?: string;
  notify?: string[];
}

export function packages(spec: PackagesSpec): Step {
  const wanted = spec.names.map((n) => {
    const [name, version] = n.split('=');
    return { name: name!, version, spec: n };
  });
  return {
    name: spec.name ?? `packages ${spec.names.join(' ')}`,
    notify: spec.notify,
    async check(h) {
      const r = await h.run(
        `dpkg-query -W -f='\${Package} \${db:Status-Abbrev} \${Version}\\n' ${wanted.map((w) => quote(w.name)).join(' ')} 2>/dev/null; true`,
      );
      const have = new Map<string, string>();
      for (const line of r.stdout.split('\n')) {
        const m = /^(\S+) ii\s+(\S+)$/.exec(line.trim());
        if (m) have.set(m[1]!, m[2]!);
      }
      const missing = wanted.filter((w) => {
        const v = have.get(w.name);
        if (v === undefined) return true;
        if (!w.version) return false;
        return w.version.endsWith('*') ? !v.startsWith(w.version.slice(0, -1)) : v !== w.version;
      });
      if (missing.length === 0) return { state: 'ok' };
      return { state: 'change', note: `install ${missing.map((m) => m.spec).join(' ')}`, commands: [`apt-get install ${missing.map((m) => m.spec).join(' ')}`] };
    },
    async apply(h) {
      await aptGet(h, `install ${wanted.map((w) => quote(w.spec)).join(' ')}`, spec);
    },
  };
}
