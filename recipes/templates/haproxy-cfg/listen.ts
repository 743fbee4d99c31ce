// The web listen: binds, keep-alive, balance, persistence, health checks and one server line per web node.
import { cfgWord as w } from '../haproxy-word.js';
import { hostPort } from './checks.js';
import type { Resolved } from './input.js';
import { statsLines } from './stats.js';
import { tlsListenLines } from './tls.js';

function persistenceLines(r: Resolved): string[] {
  switch (r.persistence) {
    case 'none':
      return [];
    case 'source':
      // balance source is emitted by balanceLines; the stick table keeps a client on its server for an hour
      // even when the server set changes (the hash alone would move some clients).
      return ['    stick-table type ip size 1m expire 1h', '    stick on src'];
    case 'cookie-insert':
      // indirect: the cookie is HAProxy's own, stripped before the request reaches the server.
      return [`    cookie ${w('cookie name', String(r.cookieName))} insert indirect nocache`];
    case 'cookie-prefix':
      // No `indirect` here: the docs advise against it with `prefix` (server updates of the application's
      // cookie would then not reach the client).
      return [`    cookie ${w('cookie name', String(r.cookieName))} prefix nocache`];
  }
}

function balanceLines(r: Resolved): string[] {
  const lines = [`    balance ${r.balance}`];
  // Consistent hashing: adding or losing a server only moves the clients of that server.
  if (r.balance === 'source') lines.push('    hash-type consistent');
  return lines;
}

/**
 * Keep-alive. HAProxy >= 1.9 keeps connections alive on both sides by default, so "keep-alive on" cannot mean
 * "turn it on". It maps to the tutorial's recipe: `option http-server-close` (client side kept alive for
 * timeoutMs, server side closed after each response) with `timeout http-keep-alive` in explicit ms.
 * "Off" maps to `option httpclose` (close after each exchange on both sides: the classic non-keep-alive setup and
 * a behaviour clients can observe via `Connection: close`), so the two settings differ visibly.
 */
function keepAliveLines(r: Resolved): string[] {
  if (!r.keepAlive.enabled) return ['    option httpclose'];
  return ['    option http-server-close', `    timeout http-keep-alive ${String(r.keepAlive.timeoutMs)}ms`];
}

export function webListen(r: Resolved): string[] {
  const lines = [`listen ${w('listen name', r.listenName)}`, `    bind ${hostPort(r.bind.address, r.bind.port)}`];
  lines.push(...tlsListenLines(r));
  lines.push('    option forwardfor', ...keepAliveLines(r), ...balanceLines(r), ...persistenceLines(r));
  lines.push(
    '    option httpchk',
    `    http-check send meth GET uri ${w('health-check path', r.health.path)}`,
    `    http-check expect status ${String(r.health.expectStatus)}`,
  );
  if (r.stats.enabled && r.stats.port === null) lines.push(...statsLines(r));
  const cookie = r.persistence === 'cookie-insert' || r.persistence === 'cookie-prefix';
  for (const s of r.servers) {
    lines.push(`    server ${w('server name', s.name)} ${hostPort(s.address, s.port)} check${cookie ? ` cookie ${w('server name', s.name)}` : ''}`);
  }
  return lines;
}
