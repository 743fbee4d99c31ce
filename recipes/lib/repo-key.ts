// Where the repository key comes from (M2, issue 21): a local file or https, nothing else. Read once per run
// (the preflight checks a pinned key before any connection, the recipe installs the same bytes).
import { readFile } from 'node:fs/promises';
import { keySource } from './pgp-fingerprint.js';

export const HAPROXY_DEBIAN_NET_KEY = 'https://haproxy.debian.net/bernat.debian.org.gpg';

const cache = new Map<string, Promise<Buffer>>();

/** The key file's bytes; throws an Error whose message says why (completes "repository key WHERE: ..."). */
export function readRepoKey(where: string): Promise<Buffer> {
  let p = cache.get(where);
  if (!p) {
    p = load(where);
    p.catch(() => cache.delete(where)); // a failure is not remembered: the next asker tries again
    cache.set(where, p);
  }
  return p;
}

async function load(where: string): Promise<Buffer> {
  const scheme = keySource(where);
  if (scheme === 'file') {
    return readFile(where).catch(() => {
      throw new Error('cannot read the file');
    });
  }
  if (scheme !== 'https') throw new Error(`give an https:// URL or a local file (a key fetched over ${scheme} could be swapped on the way)`);
  const res = await fetch(where).catch((e: unknown) => {
    throw new Error(`cannot fetch it: ${(e as Error).message}`);
  });
  if (!res.ok) throw new Error(`cannot fetch it: HTTP ${res.status}`);
  // fetch follows redirects, also from https to http: the key must have come over https all the way.
  if (!res.url.startsWith('https://')) throw new Error(`redirected to ${res.url}: only https is accepted`);
  return Buffer.from(await res.arrayBuffer());
}
