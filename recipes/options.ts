// The knobs of the setup. Each is an inventory var (any level) and a flag (`--keep-alive`, `--persistence X`);
// flags win. The wizard asks the same questions.
import type { RunOption, SecretSpec, HostContext } from '../runner/engine/types.js';
import { haFlags, haVars } from './ha-options.js';
import { acmeVars } from './acme-options.js';

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

const APT = ['system-update', 'haproxy-install', 'apache-install'];

/**
 * The option registry's recipe part: every var a recipe reads, declared once (name, type, pattern or bounds,
 * default, who reads it, the wizard's question). `kind` is 'both' (an inventory var and a flag, flags win) unless
 * said; 'var' for per-host settings that have no flag. Adding an option is adding an entry here.
 */
export const registry: RunOption[] = [
  {
    name: 'persistence', type: 'string', choices: ['none', 'source', 'cookie-insert', 'cookie-prefix'], default: 'none', pattern: NAME_CHARS,
    readBy: ['haproxy-config', 'verify'], question: 'Session persistence',
    description: 'session persistence: none, source IP (stick-table), a cookie HAProxy inserts, or a prefix on the app\'s cookie',
    choiceHints: {
      none: ['none', 'each request may go to any web node (round robin): for sites that keep no session on the node'],
      source: ['source IP', 'a visitor\'s IP address always reaches the same node; no cookie, but visitors behind one proxy share a node'],
      'cookie-insert': ['cookie (inserted)', 'HAProxy adds a SERVERID cookie naming the node, so each browser sticks to its node'],
      'cookie-prefix': ['cookie (prefix)', 'HAProxy prefixes your app\'s PHPSESSID session cookie with the node: no extra cookie (turns PHP on)'],
    },
  },
  { name: 'balance', type: 'string', choices: ['roundrobin', 'leastconn', 'source'], default: 'roundrobin', pattern: NAME_CHARS, readBy: ['haproxy-config'], description: 'balance algorithm (persistence=source implies source)' },
  { name: 'cookie_name', type: 'string', pattern: TOKEN, readBy: ['haproxy-config', 'verify'], description: 'cookie for cookie persistence (default SERVERID for insert, PHPSESSID for prefix)' },
  { name: 'keep_alive', type: 'boolean', default: false, readBy: ['haproxy-config'], question: 'Keep-alive: keep client connections open between requests (faster pages)?', description: 'keep-alive to clients with option http-server-close' },
  { name: 'keep_alive_timeout', type: 'number', min: 1, max: 3_600_000, default: 3000, readBy: ['haproxy-config'], description: 'timeout http-keep-alive in milliseconds' },
  { name: 'https', type: 'boolean', default: false, readBy: ['haproxy-config', 'verify'], question: 'HTTPS: serve on 443 and redirect http to https?', description: 'serve HTTPS on :443 and redirect http to https' },
  { name: 'https_cert', type: 'string', file: true, pattern: PATH_OR_URL, readBy: ['haproxy-config'], question: 'Certificate: a PEM file with the certificate and its key (Enter alone for a self-signed one)', description: 'local PEM with certificate and key (default: a self-signed one is made)' },
  { name: 'tls_profile', type: 'string', choices: ['intermediate', 'modern', 'old'], default: 'intermediate', pattern: NAME_CHARS, readBy: ['haproxy-config', 'verify'], description: 'Mozilla server-side TLS profile: intermediate (TLS 1.2+), modern (TLS 1.3 only) or old (TLS 1.0+, for ancient clients)' },
  { name: 'hsts', type: 'number', min: 0, max: 2 ** 31, default: 0, readBy: ['haproxy-config', 'verify'], description: 'Strict-Transport-Security max-age in seconds on HTTPS answers (0: no header)' },
  { name: 'https_port', type: 'number', min: 1, max: 65535, default: 443, readBy: ['haproxy-config', 'verify'], description: 'HTTPS port on the load balancer' },
  { name: 'http_port', type: 'number', min: 1, max: 65535, default: 80, readBy: ['haproxy-config', 'verify'], description: 'HTTP port on the load balancer' },
  { name: 'php', type: 'boolean', default: false, readBy: ['apache-install'], question: 'PHP on the web nodes (libapache2-mod-php)?', description: 'install PHP (libapache2-mod-php) on the web nodes' },
  { name: 'stats_user', type: 'string', default: 'admin', pattern: TOKEN, readBy: ['haproxy-config', 'verify'], question: 'Stats user', description: 'stats page user' },
  {
    name: 'haproxy_source', type: 'string', choices: ['distro', 'haproxy.debian.net', 'custom'], default: 'distro', pattern: NAME_CHARS,
    readBy: ['haproxy-repo', 'haproxy-install'], question: 'Where HAProxy comes from', description: 'where haproxy comes from',
    choiceHints: {
      distro: ['Debian', 'the version Debian ships (2.6 on Debian 12, 3.0 on 13): no extra repository'],
      'haproxy.debian.net': ['haproxy.debian.net', 'a newer branch from the HAProxy team\'s Debian repository (the LB must reach it)'],
      custom: ['the custom repository already set', 'haproxy_repo_url and its key from the inventory or flags'],
    },
  },
  { name: 'haproxy_version', type: 'string', pattern: PATTERNS.version, readBy: ['haproxy-repo', 'haproxy-install'], question: 'HAProxy branch', description: 'branch to pin from haproxy.debian.net or a custom repo, e.g. 3.2' },
  { name: 'haproxy_repo_url', type: 'string', pattern: PATTERNS.url, readBy: ['haproxy-repo'], description: 'custom repository URL' },
  { name: 'haproxy_repo_suite', type: 'string', pattern: PATTERNS.suite, readBy: ['haproxy-repo'], description: 'custom repository suite' },
  { name: 'haproxy_repo_component', type: 'string', pattern: PATTERNS.component, readBy: ['haproxy-repo'], description: 'custom repository component (default main)' },
  { name: 'haproxy_repo_key', type: 'string', file: true, pattern: PATH_OR_URL, readBy: ['haproxy-repo'], description: 'repository signing key: a local .asc/.gpg file or an https URL (plain http is refused)' },
  { name: 'haproxy_repo_key_fingerprint', type: 'string', pattern: PATTERNS.fingerprint, readBy: ['haproxy-repo'], description: 'the repository key\'s OpenPGP fingerprint: a key that is not this one is refused before anything is written' },
  { name: 'apt_cache_valid_time', type: 'number', min: 0, max: 31_536_000, default: 3600, readBy: ['system-update'], description: 'skip apt-get update when the lists are younger than this (seconds)' },
  { name: 'apt_upgrade', type: 'boolean', default: true, readBy: ['system-update'], description: 'upgrade installed packages in system-update' },
  { name: 'apt_update_timeout', type: 'number', min: 1, max: 86_400, default: 180, readBy: APT, description: 'seconds one apt-get update may take before it is stopped and tried again (twice)' },
  { name: 'apt_lock_timeout', type: 'number', min: 0, max: 86_400, default: 120, readBy: APT, description: 'seconds to wait for a dpkg lock held by another process' },
  { name: 'index_page', type: 'boolean', default: false, readBy: ['apache-install'], description: 'write the node-naming index page even over a page that is not Debian\'s default' },
  // HTTPS from an ACME CA (recipes/acme-options.ts).
  ...acmeVars,
  // drain / maint / ready (recipes/server-state.ts): set by those commands (also flags and vars of `run server-state`).
  { name: 'server_node', type: 'string', pattern: TOKEN, readBy: ['server-state'], description: 'the web node `run server-state` changes (what `haforge drain NODE` sets)' },
  { name: 'server_action', type: 'string', choices: ['drain', 'maint', 'ready'], pattern: NAME_CHARS, readBy: ['server-state'], description: 'the state `run server-state` sets (what `haforge drain|maint|ready` sets)' },
  { name: 'timeout', type: 'number', min: 0, max: 86_400, default: 60, value: 'S', readBy: ['server-state'], description: 'drain: seconds to wait for the node\'s sessions to reach 0 on every LB' },
  // `force` is declared once, in ha-options.ts: failover and server-state both read it.
  // Per-host settings: inventory vars only.
  { name: 'web_port', type: 'number', kind: 'var', min: 1, max: 65535, default: 80, readBy: ['haproxy-config'], description: 'port this web node serves HTTP on, as the balancer reaches it' },
  { name: 'bind_address', type: 'string', kind: 'var', pattern: PATTERNS.bind, default: '*', readBy: ['haproxy-config'], description: 'address the load balancer binds ("*" or "": all)' },
  // The HA pair's network (recipes/ha-options.ts): inventory vars only.
  ...haVars,
  ...haFlags,
];

/** The run options: flags and vars. */
export const options: RunOption[] = registry.filter((o) => o.kind !== 'var');
/** Vars recipes read that are not run options (no flag, checked the same way): per-host settings. */
export const hostVars: RunOption[] = registry.filter((o) => o.kind === 'var');

export const secrets: SecretSpec[] = [
  {
    name: 'stats_password',
    env: 'HAFORGE_STATS_PASSWORD',
    fileFlag: 'stats-password-file',
    description: 'the stats page password',
    neededBy: ['haproxy-config', 'verify', 'status', 'failover'],
    required: () => true,
  },
];

/** A var with the option's default; flags are already merged into h.vars. */
export function opt<T extends string | number | boolean>(h: Pick<HostContext, 'vars'>, name: string): T {
  const v = h.vars[name];
  if (v !== undefined) return v as T;
  return registry.find((o) => o.name === name)?.default as T;
}
