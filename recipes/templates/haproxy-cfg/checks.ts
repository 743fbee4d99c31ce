// Validation of haproxy.cfg's input: refuse, never guess. Every value that ends up as a word of the file passes here
// (and again through cfgWord when it is written).
import { isIP } from 'node:net';
import { cfgWord as w } from '../haproxy-word.js';

export function fail(msg: string): never {
  throw new Error(`haproxy config: ${msg}`);
}

// HAProxy's identifier charset (proxy, server, userlist names).
const IDENT_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
export function checkIdent(what: string, s: string): void {
  if (!IDENT_RE.test(s)) fail(`${what} ${JSON.stringify(s)} is not a valid HAProxy name (letters, digits, - _ . :)`);
}

export function checkPort(what: string, p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535) fail(`${what} must be an integer port 1-65535, got ${String(p)}`);
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** ADDR:PORT as HAProxy reads it: IPv6 keeps its colons, the last one separates the port. */
export function hostPort(address: string, port: number): string {
  return w('address', `${address === '' ? '*' : address}:${String(port)}`);
}

export function checkBindAddress(what: string, a: string): void {
  if (a === '' || a === '*' || isIP(a) !== 0) return;
  fail(`${what} ${JSON.stringify(a)} must be an IP address, '*' or '' (all addresses)`);
}

export function checkServerAddress(what: string, a: string): void {
  if (isIP(a) !== 0 || HOSTNAME_RE.test(a)) return;
  fail(`${what} ${JSON.stringify(a)} must be an IP address or host name`);
}

// A config word must not break the line: no whitespace, quotes, backslash or '#' (starts a comment).
export const isWord = (s: string): boolean => {
  try {
    return w('', s) === s;
  } catch {
    return false;
  }
};

export function oneOf<T extends string>(what: string, v: T | undefined, allowed: readonly T[], dflt: T): T {
  const value = v ?? dflt;
  if (!allowed.includes(value)) fail(`unknown ${what} ${JSON.stringify(value)} (expected ${allowed.join(', ')})`);
  return value;
}
