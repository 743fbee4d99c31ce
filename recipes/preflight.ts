// Checks of a host's settings that need no connection: conflicts and local files. Run before any host is touched.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Vars } from '../runner/inventory/types.js';
import { certMatchesKey } from './lib/self-signed.js';
import { keyProblem, keySource } from './lib/pgp-fingerprint.js';
import { HAPROXY_DEBIAN_NET_KEY, readRepoKey } from './lib/repo-key.js';
import { acmeProblem } from './acme-options.js';

export async function preflight(vars: Vars): Promise<string | undefined> {
  const persistence = vars['persistence'] ?? 'none';
  const balance = vars['balance'];
  if (persistence === 'source' && balance !== undefined && balance !== 'source' && balance !== 'roundrobin') {
    return `persistence source uses balance source; balance ${String(balance)} conflicts with it`;
  }
  if (persistence === 'cookie-prefix' && vars['php'] !== true && vars['cookie_name'] === undefined) {
    return 'persistence cookie-prefix prefixes the application\'s own cookie: turn php on (the demo app sets PHPSESSID) or set cookie_name';
  }
  // What the haproxy.cfg renderer would refuse on the host, said before connecting.
  const user = vars['stats_user'];
  if (user !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(String(user))) {
    return `stats_user ${JSON.stringify(user)}: use 1-64 letters, digits, ".", "_" or "-"`;
  }
  const cookie = vars['cookie_name'];
  if (cookie !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(String(cookie))) {
    return `cookie_name ${JSON.stringify(cookie)}: use a plain cookie name (letters, digits, ".", "_", "-")`;
  }
  const bind = vars['bind_address'];
  if (bind !== undefined && bind !== '*' && bind !== '' && isIP(String(bind)) === 0) {
    return `bind_address ${JSON.stringify(bind)}: use an IP address of the load balancer, or "*" for all`;
  }
  if (vars['https'] === true && (vars['https_port'] ?? 443) === (vars['http_port'] ?? 80)) {
    return `https_port ${String(vars['https_port'] ?? 443)} is also the http_port; give them different ports`;
  }
  const acme = acmeProblem(vars);
  if (acme) return acme;
  const cert = vars['https_cert'];
  if (typeof cert === 'string') {
    let pem: string;
    try {
      pem = await readFile(cert, 'utf8');
    } catch {
      return `https_cert ${cert}: cannot read the file`;
    }
    if (!pem.includes('PRIVATE KEY-----')) return `https_cert ${cert}: the PEM must hold the certificate and its private key`;
    if (!(await certMatchesKey(pem))) {
      return `https_cert ${cert}: the certificate and the private key do not match; put the certificate's own key in the PEM (or leave https_cert unset for a self-signed one)`;
    }
  }
  if (vars['haproxy_source'] === 'haproxy.debian.net' && typeof vars['haproxy_version'] !== 'string') {
    return 'haproxy_source haproxy.debian.net needs haproxy_version (e.g. 3.2)';
  }
  if (vars['haproxy_source'] === 'custom') {
    for (const k of ['haproxy_repo_url', 'haproxy_repo_suite', 'haproxy_repo_key']) if (typeof vars[k] !== 'string') return `haproxy_source custom needs ${k}`;
  }
  return vars['haproxy_source'] === 'distro' || vars['haproxy_source'] === undefined ? undefined : repoKeyProblem(vars);
}

/** M2 (issue 21): the key over https or from a local file; with a pin, the key is read (fetched) and held to it
 * here already, so a wrong key stops the run before any host is touched. */
async function repoKeyProblem(vars: Vars): Promise<string | undefined> {
  const given = vars['haproxy_repo_key'];
  const key = typeof given === 'string' ? given : vars['haproxy_source'] === 'haproxy.debian.net' ? HAPROXY_DEBIAN_NET_KEY : undefined;
  if (key === undefined) return undefined;
  const scheme = keySource(key);
  if (scheme !== 'https' && scheme !== 'file') {
    return `haproxy_repo_key ${key}: give an https:// URL or a local file (a key fetched over ${scheme} could be swapped on the way)`;
  }
  const pin = vars['haproxy_repo_key_fingerprint'];
  if (typeof pin !== 'string') return undefined;
  let data: Buffer;
  try {
    data = await readRepoKey(key);
  } catch (e) {
    return `haproxy_repo_key ${key}: ${(e as Error).message}`;
  }
  const problem = keyProblem(data, pin);
  return problem ? `haproxy_repo_key_fingerprint ${pin}: the key ${key} ${problem}` : undefined;
}
