// The input resolved: defaults filled in, every value checked, contradictions refused (never guessed), one part of
// the config at a time.
import { isIP } from 'node:net';
import { isCryptHash } from '../../lib/crypt.js';
import { toHaproxyVersion, isRenderable } from '../haproxy-version.js';
import { checkBindAddress, checkIdent, checkPort, checkServerAddress, fail, isWord, oneOf } from './checks.js';
import { DEFAULT_CERT_PATH, STATS_LISTEN_NAME, type Balance, type HaproxyConfigInput, type LogTarget, type Persistence, type Resolved, type TlsProfile, HSTS_MAX } from './input.js';

function checkServers(input: HaproxyConfigInput): void {
  if (input.webServers.length === 0) fail('no web servers: the listen needs at least one server');
  const seen = new Set<string>();
  for (const s of input.webServers) {
    checkIdent('server name', s.name);
    // Duplicate server names warn on 3.1/3.2 and are fatal from 3.3.
    if (seen.has(s.name)) fail(`duplicate server name ${JSON.stringify(s.name)}`);
    seen.add(s.name);
    checkServerAddress(`server ${s.name} address`, s.address);
    checkPort(`server ${s.name} port`, s.port);
  }
}

function resolveBalancing(input: HaproxyConfigInput): Pick<Resolved, 'balance' | 'persistence' | 'cookieName'> {
  const persistence = oneOf<Persistence>(
    'persistence',
    input.persistence,
    ['none', 'source', 'cookie-insert', 'cookie-prefix'],
    'none',
  );
  const balanceIn = input.balance === undefined ? undefined : oneOf<Balance>('balance', input.balance, ['roundrobin', 'leastconn', 'source'], 'roundrobin');
  if (persistence === 'source' && balanceIn !== undefined && balanceIn !== 'source') {
    fail(`persistence 'source' uses 'balance source'; balance ${JSON.stringify(balanceIn)} contradicts it (leave balance unset)`);
  }
  const balance: Balance = persistence === 'source' ? 'source' : (balanceIn ?? 'roundrobin');

  let cookieName: string | null = null;
  if (persistence === 'cookie-insert' || persistence === 'cookie-prefix') {
    cookieName = input.cookieName ?? (persistence === 'cookie-insert' ? 'SERVERID' : 'PHPSESSID');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(cookieName)) fail(`cookie name ${JSON.stringify(cookieName)} is not a plain cookie token`);
  }
  return { balance, persistence, cookieName };
}

function resolveKeepAlive(input: HaproxyConfigInput): Resolved['keepAlive'] {
  const ka = input.keepAlive ?? { enabled: false };
  const timeoutMs = ka.timeoutMs ?? 3000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
    fail(`keep-alive timeout must be an integer number of milliseconds 1-3600000, got ${String(timeoutMs)}`);
  }
  return { enabled: ka.enabled, timeoutMs };
}

function resolveHttps(input: HaproxyConfigInput): Resolved['https'] {
  if (input.https?.enabled !== true) return { enabled: false };
  const port = input.https.port ?? 443;
  checkPort('https port', port);
  if (port === input.bind.port) fail(`https port ${String(port)} is the same as the http port`);
  const certPath = input.https.certPath ?? DEFAULT_CERT_PATH;
  if (!certPath.startsWith('/') || !isWord(certPath)) fail(`certificate path ${JSON.stringify(certPath)} must be absolute, without spaces or quotes`);
  const profile = oneOf<TlsProfile>('tls profile', input.https.profile, ['intermediate', 'modern', 'old'], 'intermediate');
  const hstsSeconds = input.https.hstsSeconds ?? 0;
  if (!Number.isInteger(hstsSeconds) || hstsSeconds < 0 || hstsSeconds > HSTS_MAX) fail(`hsts must be an integer number of seconds 0-${String(HSTS_MAX)}, got ${String(hstsSeconds)}`);
  const acmeMap = input.https.acmeMap ?? null;
  if (acmeMap !== null && (!acmeMap.startsWith('/') || !isWord(acmeMap))) fail(`acme map path ${JSON.stringify(acmeMap)} must be absolute, without spaces or quotes`);
  return { enabled: true, port, certPath, redirect: input.https.redirect ?? true, profile, hstsSeconds, acmeMap };
}

function resolveStats(input: HaproxyConfigInput, listenName: string, https: Resolved['https']): Resolved['stats'] {
  const st = input.stats;
  if (st?.enabled !== true) {
    if (st !== undefined && st.enabled !== false) fail('stats.enabled must be true or false');
    return { enabled: false };
  }
  const uri = st.uri ?? '/stats';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(uri)) fail(`stats uri ${JSON.stringify(uri)} must be a plain absolute path`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(st.user)) fail(`stats user ${JSON.stringify(st.user)} must be letters, digits, . _ -`);
  // haproxy -c accepts an empty or garbage hash (the login then always fails): check it here.
  if (!isCryptHash(st.passwordHash)) fail('stats password hash must be a crypt hash ($6$, $5$ or $y$), not empty or clear text');
  const refresh = st.refresh ?? '30s';
  if (!/^[1-9]\d{0,6}(?:ms|s|m|h|d)$/.test(refresh)) fail(`stats refresh ${JSON.stringify(refresh)} needs a unit (e.g. 30s)`);
  let port: number | null = null;
  if (st.port !== undefined) {
    checkPort('stats port', st.port);
    if (st.port === input.bind.port || (https.enabled && st.port === https.port)) fail(`stats port ${String(st.port)} is already used by the web listen`);
    if (listenName === STATS_LISTEN_NAME) fail(`listen name ${JSON.stringify(listenName)} clashes with the separate stats listen`);
    port = st.port;
  }
  return { enabled: true, uri, user: st.user, passwordHash: st.passwordHash, refresh, port };
}

function resolveHealth(input: HaproxyConfigInput): Resolved['health'] {
  const health = { path: input.healthCheck?.path ?? '/', expectStatus: input.healthCheck?.expectStatus ?? 200 };
  if (!/^\/[A-Za-z0-9._~/?=&%+-]*$/.test(health.path)) fail(`health-check path ${JSON.stringify(health.path)} must be a plain absolute path`);
  if (!Number.isInteger(health.expectStatus) || health.expectStatus < 100 || health.expectStatus > 599) {
    fail(`health-check status must be 100-599, got ${String(health.expectStatus)}`);
  }
  return health;
}

function resolveLog(input: HaproxyConfigInput): LogTarget {
  const log = input.logTarget ?? { kind: 'stdout' };
  if (log.kind === 'syslog') {
    const a = log.address;
    const m = /^([\d.]+)(?::(\d{1,5}))?$/.exec(a);
    const ok =
      (a.startsWith('/') && isWord(a)) ||
      (m !== null && isIP(m[1]) === 4 && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535)));
    if (!ok) fail(`syslog address ${JSON.stringify(a)} must be a socket path or IPv4[:port]`);
  } else if (log.kind !== 'stdout' && log.kind !== 'none') {
    fail(`unknown log target ${JSON.stringify((log as { kind: unknown }).kind)}`);
  }
  return log;
}

export function resolve(input: HaproxyConfigInput): Resolved {
  const version = toHaproxyVersion(input.haproxyVersion);
  if (!isRenderable(version)) fail(`HAProxy ${version.full} is too old: haforge renders configs for 2.2 and later`);
  const listenName = input.listenName ?? 'cluster_web';
  checkIdent('listen name', listenName);
  checkBindAddress('bind address', input.bind.address);
  checkPort('bind port', input.bind.port);
  for (const a of input.bind.also ?? []) if (a === '' || a === '*' || isIP(a) === 0) fail(`extra bind address ${JSON.stringify(a)} must be an IP address`);
  checkServers(input);
  const balancing = resolveBalancing(input);
  const keepAlive = resolveKeepAlive(input);
  const https = resolveHttps(input);
  const stats = resolveStats(input, listenName, https);
  const health = resolveHealth(input);
  const log = resolveLog(input);
  return { version, listenName, bind: { ...input.bind, also: input.bind.also ?? [] }, servers: input.webServers, ...balancing, keepAlive, https, stats, health, log };
}
