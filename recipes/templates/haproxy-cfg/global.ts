// The global and defaults sections: process settings, logging, timeouts, health-check pace, error pages.
import { cfgWord as w } from '../haproxy-word.js';
import type { Resolved } from './input.js';
import { tlsGlobalLines } from './tls.js';

/** The check pace every server gets (`default-server`); servers added at runtime are not given the defaults
 * (HAProxy 2.6), so they get the same keywords on their `add server` line. */
export const DYNAMIC_SERVER_DEFAULTS = 'inter 2s fastinter 500ms downinter 1s';

const ERROR_CODES = [400, 403, 408, 500, 502, 503, 504] as const;

export function globalSection(r: Resolved): string[] {
  const lines = ['global'];
  if (r.log.kind === 'stdout') lines.push('    log stdout format raw local0');
  if (r.log.kind === 'syslog') lines.push(`    log ${w('syslog address', r.log.address)} local0`);
  lines.push(
    '    chroot /var/lib/haproxy',
    // expose-fd listeners: a reload hands the listening sockets to the new process (no refused connection);
    // the server states (drain, maint, health) are saved to the state file before each reload and read back.
    '    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners',
    '    server-state-file /var/lib/haproxy/server-state',
    '    stats timeout 30s',
    '    user haproxy',
    '    group haproxy',
    // No `daemon`: Debian's init script passes -D and its systemd unit -Ws; both decide the mode themselves.
  );
  lines.push(...tlsGlobalLines(r));
  return lines;
}

export function defaultsSection(r: Resolved): string[] {
  const lines = [
    'defaults',
    '    mode http',
    '    load-server-state-from-file global',
    // On a reload the old process closes idle kept-alive client connections at once, under requests already on
    // their way (measured on 2.6: all 50 of 50 kept-alive clients reset once). With this it answers one more
    // request on each, with `Connection: close`, then closes: 0 resets.
    '    option idle-close-on-response',
  ];
  if (r.log.kind !== 'none') {
    // `option httplog` warns when there is no log target: only with one.
    lines.push('    log global', '    option httplog', '    option dontlognull');
  }
  lines.push(
    // Health checks every 2 s (HAProxy's default), every 0.5 s while a node is changing state and every 1 s
    // while it is DOWN: a dead node is DOWN about 1 s after its first failed check instead of 4 s, and a node
    // that comes back is UP within about 1.5 s instead of up to 4 s (seen on the lab: a first run's verify
    // waited 3.5 s for new web nodes to turn green). rise 2 / fall 3 stay HAProxy's defaults.
    // init-addr libc: each start resolves every server's address anew. HAProxy's default with a server-state file
    // is `last,libc`, which takes the address from the state file: `haproxy -c` then accepted a web node whose name
    // the LB cannot resolve (it kept the old address), and only a start without that file would fail.
    `    default-server ${DYNAMIC_SERVER_DEFAULTS} init-addr libc`,
    // Until a dead node is seen DOWN, a request sent to it is retried on another node (redispatch on every
    // retry), as the tutorial's `option redispatch` meant. Without it, requests hung ~3 s and then failed
    // (seen on the lab, apache killed on one node).
    '    retries 3',
    '    option redispatch 1',
    // Explicit units everywhere: a bare number is milliseconds (the tutorial's 5000/50000 were ms too).
    '    timeout connect 5s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    timeout http-request 10s',
    ...ERROR_CODES.map((c) => `    errorfile ${String(c)} /etc/haproxy/errors/${String(c)}.http`),
  );
  return lines;
}
