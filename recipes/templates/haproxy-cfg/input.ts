// What haproxy.cfg is rendered from: the input a recipe gives (every field optional but the bind, the servers and
// the version) and the same, resolved: defaults filled in and every value checked (resolve.ts).
import type { HaproxyVersion } from '../haproxy-version.js';

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

/** Mozilla's server-side TLS configurations (guidelines 5.7), for HAProxy on OpenSSL 3 (Debian 12 and 13). */
export type TlsProfile = 'intermediate' | 'modern' | 'old';

export interface HttpsInput {
  enabled: boolean;
  /** default 'intermediate' */
  profile?: TlsProfile;
  /** Strict-Transport-Security max-age in seconds; 0 (default) sends no header. */
  hstsSeconds?: number;
  /** default 443 */
  port?: number;
  /** Certificate + key in one PEM. Default /etc/haproxy/certs/site.pem. */
  certPath?: string;
  /** Redirect http to https (default true). */
  redirect?: boolean;
  /** Answer ACME HTTP-01 challenges from this map file (token -> key authorization), filled through the runtime
   * API; unset: no challenge responder. */
  acmeMap?: string;
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
export const ACME_MAP_PATH = '/etc/haproxy/acme-challenge.map';
/** The largest HSTS max-age accepted (2^31 s, about 68 years). */
export const HSTS_MAX = 2 ** 31;

export interface Resolved {
  version: HaproxyVersion;
  listenName: string;
  bind: { address: string; port: number; also: readonly string[] };
  servers: readonly WebServer[];
  balance: Balance;
  persistence: Persistence;
  cookieName: string | null;
  keepAlive: { enabled: boolean; timeoutMs: number };
  https:
    | { enabled: false }
    | { enabled: true; port: number; certPath: string; redirect: boolean; profile: TlsProfile; hstsSeconds: number; acmeMap: string | null };
  stats:
    | { enabled: false }
    | { enabled: true; uri: string; user: string; passwordHash: string; refresh: string; port: number | null };
  health: { path: string; expectStatus: number };
  log: LogTarget;
}
