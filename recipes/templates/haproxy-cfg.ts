// /etc/haproxy/haproxy.cfg for the LB: a pure function of its input (byte-identical output for the same input, which
// the recipe's idempotence relies on). Every directive here passes `haproxy -dW -c` (no warnings) on Debian's 2.6.12
// (bookworm) and is meant for 3.0.11 (trixie) and 3.2 (haproxy.debian.net) as well: none of them changed meaning
// between 2.2 and 3.2. The version decides the floor (2.2: `http-check send`, `-dW`) and the header.
import { isIP } from 'node:net';
import { isCryptHash } from '../lib/crypt.js';
import { cfgWord as w } from './haproxy-word.js';
import { type HaproxyVersion, toHaproxyVersion, isRenderable } from './haproxy-version.js';

export type Balance = 'roundrobin' | 'leastconn' | 'source';
export type Persistence = 'none' | 'source' | 'cookie-insert' | 'cookie-prefix';

/**
 * Where HAProxy logs. Lab hosts have no /dev/log (no syslog daemon), and `option httplog` with no log target
 * warns, so the default is stdout: under systemd (`-Ws`) that is the journal; under the init script (`-D`) it is
 * /dev/null. 'none' drops `option httplog` too, to stay warning-free.
 */
export type LogTarget =
  | { kind: 'stdout' }
  /** A syslog socket path ('/dev/log', reachable inside the chroot) or UDP 'IP[:PORT]'. */
  | { kind: 'syslog'; address: string }
  | { kind: 'none' };

export interface WebServer {
  /** HAProxy identifier: letters, digits, '-', '_', '.', ':'. Also the cookie value in cookie variants. */
  name: string;
  /** IP address or resolvable host name (resolved when HAProxy starts, and by `haproxy -c`). */
  address: string;
  port: number;
}

export interface HttpsInput {
  enabled: boolean;
  /** default 443 */
  port?: number;
  /** Certificate + key in one PEM. Default /etc/haproxy/certs/site.pem. */
  certPath?: string;
  /** Redirect http to https (default true). */
  redirect?: boolean;
}

export type StatsInput =
  | { enabled: false }
  | {
      enabled: true;
      /** default '/stats' (the CSV is then '/stats;csv') */
      uri?: string;
      user: string;
      /** A crypt(3) hash: $6$ (made by sha512Crypt), $5$ or $y$. Never a clear-text password. */
      passwordHash: string;
      /** HAProxy time with a unit, default '30s'. */
      refresh?: string;
      /**
       * Unset (default): the stats page is served by the web listen itself at `uri`, like the tutorial, so it
       * is reached through the LB's one service address (and follows the https redirect). Set: a separate
       * `listen stats` on bind.address:port, which keeps `uri` free for the web application.
       */
      port?: number;
    };

export interface HaproxyConfigInput {
  /** The installed version: `haproxy -v` output, "2.6.12", "3.2", "3.2.x", or a parsed version. */
  haproxyVersion: string | HaproxyVersion;
  /** default 'cluster_web' */
  listenName?: string;
  /** The LB's HTTP service. address '' or '*' = every address. `also`: more addresses with the same binds (an HA
   * pair binds its VIP and the LB's own address, so each LB's stats page can be reached). */
  bind: { address: string; port: number; also?: readonly string[] };
  webServers: readonly WebServer[];
  /** default 'roundrobin'; persistence 'source' implies (and requires) 'source'. */
  balance?: Balance;
  /** default 'none' */
  persistence?: Persistence;
  /** cookie-insert: default 'SERVERID'; cookie-prefix: the application's cookie, default 'PHPSESSID'. */
  cookieName?: string;
  /** default { enabled: false } */
  keepAlive?: { enabled: boolean; /** default 3000 */ timeoutMs?: number };
  /** default { enabled: false } */
  https?: HttpsInput;
  /** default { enabled: false } */
  stats?: StatsInput;
  /** default { path: '/', expectStatus: 200 } */
  healthCheck?: { path?: string; expectStatus?: number };
  /** default { kind: 'stdout' } */
  logTarget?: LogTarget;
}

export const DEFAULT_CERT_PATH = '/etc/haproxy/certs/site.pem';
export const STATS_LISTEN_NAME = 'stats';
const STATS_USERLIST = 'haforge_stats_users';
const STATS_ACL = 'HAFORGE_STATS_AUTH';
const ERROR_CODES = [400, 403, 408, 500, 502, 503, 504] as const;

// ---------------------------------------------------------------- validation: refuse, never guess

function fail(msg: string): never {
  throw new Error(`haproxy config: ${msg}`);
}

// HAProxy's identifier charset (proxy, server, userlist names).
const IDENT_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
function checkIdent(what: string, s: string): void {
  if (!IDENT_RE.test(s)) fail(`${what} ${JSON.stringify(s)} is not a valid HAProxy name (letters, digits, - _ . :)`);
}

function checkPort(what: string, p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535) fail(`${what} must be an integer port 1-65535, got ${String(p)}`);
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** ADDR:PORT as HAProxy reads it: IPv6 keeps its colons, the last one separates the port. */
function hostPort(address: string, port: number): string {
  return w('address', `${address === '' ? '*' : address}:${String(port)}`);
}

function checkBindAddress(what: string, a: string): void {
  if (a === '' || a === '*' || isIP(a) !== 0) return;
  fail(`${what} ${JSON.stringify(a)} must be an IP address, '*' or '' (all addresses)`);
}

function checkServerAddress(what: string, a: string): void {
  if (isIP(a) !== 0 || HOSTNAME_RE.test(a)) return;
  fail(`${what} ${JSON.stringify(a)} must be an IP address or host name`);
}

// A config word must not break the line: no whitespace, quotes, backslash or '#' (starts a comment).
const isWord = (s: string): boolean => {
  try {
    return w('', s) === s;
  } catch {
    return false;
  }
};

function oneOf<T extends string>(what: string, v: T | undefined, allowed: readonly T[], dflt: T): T {
  const value = v ?? dflt;
  if (!allowed.includes(value)) fail(`unknown ${what} ${JSON.stringify(value)} (expected ${allowed.join(', ')})`);
  return value;
}

// ---------------------------------------------------------------- resolved input

interface Resolved {
  version: HaproxyVersion;
  listenName: string;
  bind: { address: string; port: number; also: readonly string[] };
  servers: readonly WebServer[];
  balance: Balance;
  persistence: Persistence;
  cookieName: string | null;
  keepAlive: { enabled: boolean; timeoutMs: number };
  https: { enabled: false } | { enabled: true; port: number; certPath: string; redirect: boolean };
  stats:
    | { enabled: false }
    | { enabled: true; uri: string; user: string; passwordHash: string; refresh: string; port: number | null };
  health: { path: string; expectStatus: number };
  log: LogTarget;
}

function resolve(input: HaproxyConfigInput): Resolved {
  const version = toHaproxyVersion(input.haproxyVersion);
  if (!isRenderable(version)) fail(`HAProxy ${version.full} is too old: haforge renders configs for 2.2 and later`);

  const listenName = input.listenName ?? 'cluster_web';
  checkIdent('listen name', listenName);

  checkBindAddress('bind address', input.bind.address);
  for (const a of input.bind.also ?? []) if (a === '' || a === '*' || isIP(a) === 0) fail(`extra bind address ${JSON.stringify(a)} must be an IP address`);
  checkPort('bind port', input.bind.port);

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

  const ka = input.keepAlive ?? { enabled: false };
  const timeoutMs = ka.timeoutMs ?? 3000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
    fail(`keep-alive timeout must be an integer number of milliseconds 1-3600000, got ${String(timeoutMs)}`);
  }

  let https: Resolved['https'] = { enabled: false };
  if (input.https?.enabled === true) {
    const port = input.https.port ?? 443;
    checkPort('https port', port);
    if (port === input.bind.port) fail(`https port ${String(port)} is the same as the http port`);
    const certPath = input.https.certPath ?? DEFAULT_CERT_PATH;
    if (!certPath.startsWith('/') || !isWord(certPath)) fail(`certificate path ${JSON.stringify(certPath)} must be absolute, without spaces or quotes`);
    https = { enabled: true, port, certPath, redirect: input.https.redirect ?? true };
  }

  let stats: Resolved['stats'] = { enabled: false };
  const st = input.stats;
  if (st?.enabled === true) {
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
    stats = { enabled: true, uri, user: st.user, passwordHash: st.passwordHash, refresh, port };
  } else if (st !== undefined && st.enabled !== false) {
    fail('stats.enabled must be true or false');
  }

  const health = { path: input.healthCheck?.path ?? '/', expectStatus: input.healthCheck?.expectStatus ?? 200 };
  if (!/^\/[A-Za-z0-9._~/?=&%+-]*$/.test(health.path)) fail(`health-check path ${JSON.stringify(health.path)} must be a plain absolute path`);
  if (!Number.isInteger(health.expectStatus) || health.expectStatus < 100 || health.expectStatus > 599) {
    fail(`health-check status must be 100-599, got ${String(health.expectStatus)}`);
  }

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

  return {
    version,
    listenName,
    bind: { ...input.bind, also: input.bind.also ?? [] },
    servers: input.webServers,
    balance,
    persistence,
    cookieName,
    keepAlive: { enabled: ka.enabled, timeoutMs },
    https,
    stats,
    health,
    log,
  };
}

// ---------------------------------------------------------------- sections

function globalSection(r: Resolved): string[] {
  const lines = ['global'];
  if (r.log.kind === 'stdout') lines.push('    log stdout format raw local0');
  if (r.log.kind === 'syslog') lines.push(`    log ${w('syslog address', r.log.address)} local0`);
  lines.push(
    '    chroot /var/lib/haproxy',
    '    stats socket /run/haproxy/admin.sock mode 660 level admin',
    '    stats timeout 30s',
    '    user haproxy',
    '    group haproxy',
    // No `daemon`: Debian's init script passes -D and its systemd unit -Ws; both decide the mode themselves.
  );
  if (r.https.enabled) {
    // Mozilla "intermediate" profile, as in Debian's default haproxy.cfg: TLS 1.2+, forward-secret ciphers.
    lines.push(
      '    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384',
      '    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
      '    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets',
    );
  }
  return lines;
}

function defaultsSection(r: Resolved): string[] {
  const lines = ['defaults', '    mode http'];
  if (r.log.kind !== 'none') {
    // `option httplog` warns when there is no log target: only with one.
    lines.push('    log global', '    option httplog', '    option dontlognull');
  }
  lines.push(
    // Health checks every 2 s (HAProxy's default), every 0.5 s while a node is changing state and every 1 s
    // while it is DOWN: a dead node is DOWN about 1 s after its first failed check instead of 4 s, and a node
    // that comes back is UP within about 1.5 s instead of up to 4 s (seen on the lab: a first run's verify
    // waited 3.5 s for new web nodes to turn green). rise 2 / fall 3 stay HAProxy's defaults.
    '    default-server inter 2s fastinter 500ms downinter 1s',
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

function userlistSection(r: Resolved): string[] {
  if (!r.stats.enabled) return [];
  return [`userlist ${STATS_USERLIST}`, `    user ${w('stats user', r.stats.user)} password ${w('stats password hash', r.stats.passwordHash)}`];
}

/** The stats directives, for the web listen or the separate stats listen. Auth applies to stats requests only. */
function statsLines(r: Resolved): string[] {
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

function webListen(r: Resolved): string[] {
  const addresses = [r.bind.address, ...r.bind.also];
  const lines = [`listen ${w('listen name', r.listenName)}`, ...addresses.map((a) => `    bind ${hostPort(a, r.bind.port)}`)];
  if (r.https.enabled) {
    const https = r.https;
    for (const a of addresses) lines.push(`    bind ${hostPort(a, https.port)} ssl crt ${w('certificate path', https.certPath)}`);
    if (r.https.redirect) lines.push('    http-request redirect scheme https unless { ssl_fc }');
    // Tell the application how the client came in (and overwrite any forged value).
    lines.push(
      '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
      '    http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
    );
  }
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

function statsListen(r: Resolved): string[] {
  if (!r.stats.enabled || r.stats.port === null) return [];
  return [`listen ${STATS_LISTEN_NAME}`, `    bind ${hostPort(r.bind.address, r.stats.port)}`, ...statsLines(r)];
}

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
