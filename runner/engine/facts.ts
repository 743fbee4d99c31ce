// Generic host facts: one read-only command and a parser each, cached per host per run.
import type { Fact } from './types.js';
import { quote } from '../transport/quote.js';

export interface OsRelease {
  id: string;
  versionId: string;
  codename: string;
  prettyName: string;
}

export const osRelease: Fact<OsRelease> = {
  name: 'os-release',
  command: 'cat /etc/os-release',
  parse(r) {
    const kv = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
      if (m) kv.set(m[1]!, m[3]!);
    }
    return {
      id: kv.get('ID') ?? 'unknown',
      versionId: kv.get('VERSION_ID') ?? '',
      codename: kv.get('VERSION_CODENAME') ?? '',
      prettyName: kv.get('PRETTY_NAME') ?? 'unknown',
    };
  },
};

export type InitSystem = 'systemd' | 'sysv';

/** systemd only when it runs as PID 1 (containers, and the lab's sysv hosts, may have it installed but not running). */
export const initSystem: Fact<InitSystem> = {
  name: 'init-system',
  command: 'if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi',
  parse: (r) => (r.stdout.trim() === 'systemd' ? 'systemd' : 'sysv'),
};

/** The installed version of a Debian package, or null. */
export function packageVersion(pkg: string): Fact<string | null> {
  return {
    name: `package-version:${pkg}`,
    command: `dpkg-query -W -f='\${db:Status-Abbrev} \${Version}' ${quote(pkg)} 2>/dev/null || true`,
    parse(r) {
      const m = /^ii\s+(\S+)/.exec(r.stdout.trim());
      return m ? m[1]! : null;
    },
  };
}

export function packageInstalled(pkg: string): Fact<boolean> {
  const v = packageVersion(pkg);
  return { name: `package-installed:${pkg}`, command: v.command, parse: (r) => v.parse(r) !== null };
}
