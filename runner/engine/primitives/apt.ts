// apt: packages installed (optionally at a version); apt-get itself runs as a packages action (actions/apt-get.ts).
import { quote } from '../../transport/quote.js';
import type { HostContext, Step } from '../types.js';
import type { PackagesAction } from '../actions/types.js';
import { lockTimeout, seconds, type AptOptions } from '../actions/apt-get.js';

export { aptGet, lockHolder, lockTimeout, APT_RUN_TIMEOUT_S, type AptOptions } from '../actions/apt-get.js';

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
  const query = `dpkg-query -W -f='\${Package} \${db:Status-Abbrev} \${Version}\\n' ${wanted.map((w) => quote(w.name)).join(' ')} 2>/dev/null; true`;
  return {
    name: spec.name ?? `packages ${spec.names.join(' ')}`,
    notify: spec.notify,
    reads: () => [query],
    async check(h) {
      const r = await h.run(query);
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
      // All of them, as before: apt leaves the ones already there alone.
      const install = aptAction(h, 'install', wanted.map((w) => w.spec), spec);
      return { state: 'change', note: `install ${missing.map((m) => m.spec).join(' ')}`, actions: [install] };
    },
  };
}

/** An apt-get action with this host's lock and update time limits (the options given, else its vars). */
export function aptAction(
  h: HostContext,
  op: PackagesAction['op'],
  names: string[] = [],
  o: AptOptions & Pick<PackagesAction, 'changed' | 'verify'> = {},
): PackagesAction {
  return {
    kind: 'packages', op, names,
    lockTimeoutS: lockTimeout(h, o),
    updateTimeoutS: seconds(h, o.updateTimeoutS, 'apt_update_timeout', 180),
    ...(o.changed ? { changed: o.changed } : {}),
    ...(o.verify ? { verify: o.verify } : {}),
  };
}
