// `https_issuer: acme` (issue 20): its vars, and the checks of them that need no connection (preflight, exit 2
// before any host is touched). Inventory vars and flags like the other recipe options.
import type { RunOption } from '../runner/engine/types.js';
import type { Vars } from '../runner/inventory/types.js';

const APPLIES = ['haproxy-config', 'verify'];
export const ACME_DIRECTORIES = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export const acmeVars: RunOption[] = [
  {
    name: 'https_issuer', type: 'string', choices: ['self-signed', 'acme'], default: 'self-signed', pattern: { regex: /^[a-z-]{1,16}$/, allowed: 'self-signed or acme' },
    readBy: APPLIES, description: 'who issues the HTTPS certificate when https_cert is not given: a self-signed one made here, or an ACME CA (HTTP-01 answered by HAProxy)',
  },
  // Wildcards pass the pattern so that the check below can say why they are refused (HTTP-01 cannot prove them).
  { name: 'domains', type: 'string', pattern: { regex: /^[A-Za-z0-9*., -]{1,2000}$/, allowed: 'DNS names separated by commas' }, readBy: APPLIES, description: 'the names the ACME certificate is for, comma-separated (the first is its subject)' },
  { name: 'acme_email', type: 'string', pattern: { regex: /^[^\s@<>"',;:\\]{1,64}@[A-Za-z0-9.-]{1,253}$/, allowed: 'an e-mail address (name@example.org)' }, readBy: APPLIES, description: 'contact address of the ACME account (expiry notices)' },
  {
    name: 'acme_directory', type: 'string', default: 'production', pattern: { regex: /^(?:production|staging|https:\/\/[A-Za-z0-9._~:/?#[\]@!$&'()*+,;=%-]{1,2000})$/, allowed: 'production, staging or an https:// directory URL' },
    readBy: APPLIES, description: 'the ACME directory: production (Let\'s Encrypt), staging (Let\'s Encrypt\'s test CA) or a URL',
  },
  { name: 'acme_ca_file', type: 'string', file: true, pattern: { regex: /^[^\p{Cc}\p{Zl}\p{Zp}]{1,4096}$/u, allowed: 'a file path without control characters or line breaks' }, readBy: APPLIES, description: 'PEM of a private CA that the ACME directory\'s own HTTPS certificate is trusted by (e.g. Pebble\'s)' },
];

/** RFC 1123 host name, at least two labels, a letter in the last one (not an IP address). */
const DNS_NAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `a.example, b.example` as a list (lower case, empty items dropped). */
export function domainList(v: unknown): string[] {
  return typeof v === 'string' ? v.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean) : [];
}

export function directoryUrl(v: unknown): string {
  const d = typeof v === 'string' ? v : 'production';
  return d === 'production' || d === 'staging' ? ACME_DIRECTORIES[d] : d;
}

/** The first problem of the ACME settings, said as the field and what is wrong; undefined when fine. */
export function acmeProblem(vars: Vars): string | undefined {
  if (vars['https_issuer'] !== 'acme') return undefined;
  if (vars['https'] !== true) return 'https_issuer acme: turn https on (https: true or --https)';
  if (typeof vars['https_cert'] === 'string') return 'https_issuer acme and https_cert exclude each other: the certificate comes from the CA, or it is given';
  const domains = domainList(vars['domains']);
  if (domains.length === 0) return 'https_issuer acme needs domains: the DNS names the certificate is for (domains: www.example.org,example.org)';
  for (const d of domains) {
    if (d.includes('*')) return `domains ${d}: a wildcard needs the DNS-01 challenge; haforge answers HTTP-01 only (list the names instead)`;
    if (!DNS_NAME.test(d)) return `domains ${JSON.stringify(d)}: not a DNS name (letters, digits and "-" in dot-separated labels, e.g. www.example.org)`;
  }
  if (new Set(domains).size !== domains.length) return 'domains: a name is listed twice';
  if (domains.length > 100) return `domains: ${String(domains.length)} names, an ACME certificate holds at most 100`;
  if (typeof vars['acme_email'] !== 'string') return 'https_issuer acme needs acme_email: the ACME account\'s contact address';
  const port = vars['http_port'] ?? 80;
  if (port !== 80) return `https_issuer acme: the CA checks HTTP-01 on port 80, but http_port is ${String(port)}`;
  // The parts are built and tested (lib/acme.ts, lib/haproxy-runtime.ts, the map in haproxy.cfg); the recipe that
  // runs them on every LB is not: refuse rather than serve a self-signed certificate in its place.
  return 'https_issuer acme: issuing through `haforge up` is not wired yet (the ACME client and HAProxy\'s HTTP-01 map are; see README)';
}
