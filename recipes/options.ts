// The knobs of the setup. Each is an inventory var (any level) and a flag (`--keep-alive`, `--persistence X`);
// flags win. The wizard asks the same questions.
import type { RunOption, SecretSpec, HostContext } from '../runner/engine/types.js';
import { haVars } from './ha-options.js';

// What each string option may hold (M1, issue 21): no newline or control character ever reaches haproxy.cfg, a
// .sources file or a command line. The writers still escape or refuse on their own (templates/haproxy-word.ts,
// templates/deb822.ts, runner/transport/quote.ts); these make a bad value exit 2 before any connection.
type Pattern = NonNullable<RunOption['pattern']>;
const NAME_CHARS: Pattern = { regex: /^[a-z0-9.-]{1,64}$/, allowed: 'lower-case letters, digits, "." and "-"' };
const TOKEN: Pattern = { regex: /^[A-Za-z0-9_.-]{1,64}$/, allowed: '1-64 letters, digits, "_", "." or "-"' };
/** A local path or a URL: anything printable (a path may hold spaces), never a control or line-break character. */
const PATH_OR_URL: Pattern = { regex: /^[^\p{Cc}\p{Zl}\p{Zp}]{1,4096}$/u, allowed: 'a file path or URL without control characters or line breaks' };
export const PATTERNS = {
  url: { regex: /^https?:\/\/[A-Za-z0-9._~:/?#[\]@!$&'()*+,;=%-]{1,2000}$/, allowed: 'an http:// or https:// URL (no spaces, quotes or control characters)' },
  suite: { regex: /^[A-Za-z0-9][A-Za-z0-9._+~/-]{0,99}$/, allowed: 'a suite name (letters, digits and . _ + ~ / -)' },
  component: { regex: /^[A-Za-z0-9][A-Za-z0-9._+~/-]{0,99}$/, allowed: 'a component name (letters, digits and . _ + ~ / -)' },
  version: { regex: /^\d{1,3}\.\d{1,3}(?:\.\d{1,4})?$/, allowed: 'a HAProxy branch such as 3.2 (or a release such as 3.0.11)' },
  fingerprint: { regex: /^(?:[0-9A-Fa-f] *){40}$/, allowed: 'an OpenPGP fingerprint: 40 hex digits (spaces allowed)' },
  bind: { regex: /^(?:\*|[0-9A-Fa-f.:]{0,45})$/, allowed: 'an IP address, "*" or "" (all addresses)' },
} satisfies Record<string, Pattern>;

export const options: RunOption[] = [
  { name: 'persistence', type: 'string', choices: ['none', 'source', 'cookie-insert', 'cookie-prefix'], default: 'none', pattern: NAME_CHARS, description: 'session persistence: none, source IP (stick-table), a cookie HAProxy inserts, or a prefix on the app\'s cookie' },
  { name: 'balance', type: 'string', choices: ['roundrobin', 'leastconn', 'source'], default: 'roundrobin', pattern: NAME_CHARS, description: 'balance algorithm (persistence=source implies source)' },
  { name: 'cookie_name', type: 'string', pattern: TOKEN, description: 'cookie for cookie persistence (default SERVERID for insert, PHPSESSID for prefix)' },
  { name: 'keep_alive', type: 'boolean', default: false, description: 'keep-alive to clients with option http-server-close' },
  { name: 'keep_alive_timeout', type: 'number', min: 1, max: 3_600_000, default: 3000, description: 'timeout http-keep-alive in milliseconds' },
  { name: 'https', type: 'boolean', default: false, description: 'serve HTTPS on :443 and redirect http to https' },
  { name: 'https_cert', type: 'string', file: true, pattern: PATH_OR_URL, description: 'local PEM with certificate and key (default: a self-signed one is made)' },
  { name: 'https_port', type: 'number', min: 1, max: 65535, default: 443, description: 'HTTPS port on the load balancer' },
  { name: 'http_port', type: 'number', min: 1, max: 65535, default: 80, description: 'HTTP port on the load balancer' },
  { name: 'php', type: 'boolean', default: false, description: 'install PHP (libapache2-mod-php) on the web nodes' },
  { name: 'stats_user', type: 'string', default: 'admin', pattern: TOKEN, description: 'stats page user' },
  { name: 'haproxy_source', type: 'string', choices: ['distro', 'haproxy.debian.net', 'custom'], default: 'distro', pattern: NAME_CHARS, description: 'where haproxy comes from' },
  { name: 'haproxy_version', type: 'string', pattern: PATTERNS.version, description: 'branch to pin from haproxy.debian.net or a custom repo, e.g. 3.2' },
  { name: 'haproxy_repo_url', type: 'string', pattern: PATTERNS.url, description: 'custom repository URL' },
  { name: 'haproxy_repo_suite', type: 'string', pattern: PATTERNS.suite, description: 'custom repository suite' },
  { name: 'haproxy_repo_component', type: 'string', pattern: PATTERNS.component, description: 'custom repository component (default main)' },
  { name: 'haproxy_repo_key', type: 'string', file: true, pattern: PATH_OR_URL, description: 'repository signing key: a local .asc/.gpg file or an https URL (plain http is refused)' },
  { name: 'haproxy_repo_key_fingerprint', type: 'string', pattern: PATTERNS.fingerprint, description: 'the repository key\'s OpenPGP fingerprint: a key that is not this one is refused before anything is written' },
  { name: 'apt_cache_valid_time', type: 'number', default: 3600, description: 'skip apt-get update when the lists are younger than this (seconds)' },
  { name: 'apt_upgrade', type: 'boolean', default: true, description: 'upgrade installed packages in system-update' },
  { name: 'apt_update_timeout', type: 'number', default: 180, description: 'seconds one apt-get update may take before it is stopped and tried again (twice)' },
  { name: 'apt_lock_timeout', type: 'number', default: 120, description: 'seconds to wait for a dpkg lock held by another process' },
  { name: 'index_page', type: 'boolean', default: false, description: 'write the node-naming index page even over a page that is not Debian\'s default' },
];

/** Vars recipes read that are not run options (no flag, checked the same way): per-host settings. */
export const hostVars: RunOption[] = [
  { name: 'web_port', type: 'number', min: 1, max: 65535, description: 'port this web node serves HTTP on, as the balancer reaches it (default 80)' },
  { name: 'bind_address', type: 'string', pattern: PATTERNS.bind, description: 'address the load balancer binds (default all)' },
  ...haVars,
];

export const secrets: SecretSpec[] = [
  {
    name: 'stats_password',
    env: 'HAFORGE_STATS_PASSWORD',
    fileFlag: 'stats-password-file',
    description: 'the stats page password',
    neededBy: ['haproxy-config', 'verify'],
    required: () => true,
  },
];

/** A var with the option's default; flags are already merged into h.vars. */
export function opt<T extends string | number | boolean>(h: HostContext, name: string): T {
  const v = h.vars[name];
  if (v !== undefined) return v as T;
  return [...options, ...hostVars].find((o) => o.name === name)?.default as T;
}
