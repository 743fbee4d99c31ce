// Facts about the HAProxy on the LB, read from the host itself so templates fit the installed version.
import type { Fact } from '../runner/engine/types.js';
import { packageInstalled } from '../runner/engine/facts.js';
import { parseHaproxyVersion, type HaproxyVersion } from './templates/haproxy-version.js';

export const haproxyInstalled = packageInstalled('haproxy');
export const apacheInstalled = packageInstalled('apache2');

export const haproxyVersion: Fact<HaproxyVersion | null> = {
  name: 'haproxy-version',
  command: 'command -v haproxy >/dev/null 2>&1 && haproxy -v 2>&1 | head -1 || true',
  parse: (r) => (r.stdout.trim() ? parseHaproxyVersion(r.stdout) : null),
};
