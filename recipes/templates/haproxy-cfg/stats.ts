// The stats page: a hashed userlist, the stats directives (served by the web listen, or by a listen of its own on
// another port).
import { cfgWord as w } from '../haproxy-word.js';
import { hostPort } from './checks.js';
import { STATS_LISTEN_NAME, type Resolved } from './input.js';

const STATS_USERLIST = 'haforge_stats_users';
const STATS_ACL = 'HAFORGE_STATS_AUTH';

export function userlistSection(r: Resolved): string[] {
  if (!r.stats.enabled) return [];
  return [`userlist ${STATS_USERLIST}`, `    user ${w('stats user', r.stats.user)} password ${w('stats password hash', r.stats.passwordHash)}`];
}

/** The stats directives, for the web listen or the separate stats listen. Auth applies to stats requests only. */
export function statsLines(r: Resolved): string[] {
  if (!r.stats.enabled) return [];
  return [
    `    acl ${STATS_ACL} http_auth(${STATS_USERLIST})`,
    '    stats enable',
    `    stats uri ${w('stats uri', r.stats.uri)}`,
    `    stats refresh ${w('stats refresh', r.stats.refresh)}`,
    '    stats hide-version',
    '    stats show-node',
    // Hashed userlist, never `stats auth user:pass` (clear text in the file).
    `    stats http-request auth realm haforge unless ${STATS_ACL}`,
  ];
}

export function statsListen(r: Resolved): string[] {
  if (!r.stats.enabled || r.stats.port === null) return [];
  return [`listen ${STATS_LISTEN_NAME}`, `    bind ${hostPort(r.bind.address, r.stats.port)}`, ...statsLines(r)];
}
