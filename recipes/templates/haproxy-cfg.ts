// /etc/haproxy/haproxy.cfg for the LB: a pure function of its input (byte-identical output for the same input, which
// the recipe's idempotence relies on). Every directive here passes `haproxy -dW -c` (no warnings) on Debian's 2.6.12
// (bookworm) and is meant for 3.0.11 (trixie) and 3.2 (haproxy.debian.net) as well: none of them changed meaning
// between 2.2 and 3.2. The version decides the floor (2.2: `http-check send`, `-dW`) and the header.
// The parts, one job each, live in haproxy-cfg/: input types, checks, resolve (defaults and validation), global
// and defaults sections, the web listen, the stats page, TLS.
import { defaultsSection, globalSection } from './haproxy-cfg/global.js';
import type { HaproxyConfigInput } from './haproxy-cfg/input.js';
import { webListen } from './haproxy-cfg/listen.js';
import { resolve } from './haproxy-cfg/resolve.js';
import { statsListen, userlistSection } from './haproxy-cfg/stats.js';

export {
  ACME_MAP_PATH,
  DEFAULT_CERT_PATH,
  STATS_LISTEN_NAME,
  type Balance,
  type HaproxyConfigInput,
  type HttpsInput,
  type LogTarget,
  type Persistence,
  type StatsInput,
  type TlsProfile,
  type WebServer,
} from './haproxy-cfg/input.js';

/** The whole haproxy.cfg. Throws an Error naming the problem for any input it will not render. */
export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const r = resolve(input);
  const header = [
    '# /etc/haproxy/haproxy.cfg: managed by haforge — local edits are overwritten.',
    `# Rendered for HAProxy ${String(r.version.major)}.${String(r.version.minor)}.`,
  ];
  const blocks = [header, globalSection(r), defaultsSection(r), userlistSection(r), webListen(r), statsListen(r)];
  return `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
}
