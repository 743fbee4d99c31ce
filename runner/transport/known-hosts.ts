// OpenSSH known_hosts: parse (plain, wildcard and hashed |1| host fields), match a host the way ssh does,
// fingerprint keys like `ssh-keygen -l`, classify an offered key, and append new keys.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { globMatch } from '../inventory/glob.js';

export interface KnownHostEntry {
  /** 1-based line number in the file, for "remove line N" advice. */
  line: number;
  /** The file it was read from, when known (the user's known_hosts or the system's). */
  file?: string;
  marker?: 'cert-authority' | 'revoked';
  /** The host field as written: comma-separated patterns, or one hashed `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** The key blob (SSH wire format), i.e. the base64 field decoded. */
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  /** The file has keys for this host and none is the offered one. */
  | { status: 'changed'; known: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/** How ssh names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:<base64 without padding>`, as printed by ssh and ssh-keygen -l. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) throw new Error('host key blob too short');
  const len = key.readUInt32BE(0);
  if (len > key.length - 4 || len > 64) throw new Error('malformed host key blob');
  return key.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file?: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') {
      marker = fields[0].slice(1) as KnownHostEntry['marker'];
      fields.shift();
    } else if (fields[0].startsWith('@')) {
      continue; // unknown marker: ssh ignores the line too
    }
    if (fields.length < 3) continue; // malformed; ssh skips it
    const [hosts, keyType, b64] = fields;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) continue;
    entries.push({ line: i + 1, marker, hosts, keyType, key, ...(file !== undefined ? { file } : {}) });
  }
  return entries;
}

/** Glob with `*` and `?`, case-insensitive, as in ssh's match_pattern (linear, see inventory/glob.ts). */
function hostGlob(pattern: string, name: string): boolean {
  return globMatch(pattern, name, { ignoreCase: true });
}

/** Whether an entry's host field covers `name` (already in `[host]:port` form when needed). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (hostGlob(pattern.slice(1), name)) return false; // a negated match vetoes the whole line
    } else if (hostGlob(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Entries (no markers) that apply to host:port. */
export function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const name = hostKeyName(host, port);
  return entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name));
}

export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyCheck {
  const name = hostKeyName(host, port);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key) && hostFieldMatches(e.hosts, name));
  if (revoked) return { status: 'revoked', entry: revoked };
  const mine = entriesFor(entries, host, port);
  const same = mine.find((e) => e.key.equals(key));
  if (same) return { status: 'known', entry: same };
  if (mine.length > 0) return { status: 'changed', known: mine };
  return { status: 'unknown' };
}

/** ssh's default GlobalKnownHostsFile: keys the administrator recorded for every user. Read, never written. */
export const SYSTEM_KNOWN_HOSTS: readonly string[] = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** The entries of several files in order (the user's, then the system's), each entry naming its file. */
export async function readKnownHostsFiles(files: readonly string[]): Promise<KnownHostEntry[]> {
  return (await Promise.all(files.map((f) => readKnownHosts(f)))).flat();
}

/** Missing file = no entries (first connection ever). */
export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** One known_hosts line for host:port. Hashed names hide the inventory in the file, as HashKnownHosts does. */
export function formatKnownHostLine(host: string, port: number, key: Buffer, opts: { hash?: boolean } = {}): string {
  let name = hostKeyName(host, port);
  if (opts.hash) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

// Appends from parallel connections in this process go one at a time, so a re-check under the lock sees
// the previous append and the same key is not written twice.
const appendLocks = new Map<string, Promise<unknown>>();

/** Records the key unless the file already knows it. Creates the file (0600) and its directory (0700). */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  key: Buffer,
  opts: { hash?: boolean } = {},
): Promise<void> {
  const prev = appendLocks.get(file) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(async () => {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    }
    if (checkHostKey(parseKnownHosts(text), host, port, key).status === 'known') return;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(file, `${sep}${formatKnownHostLine(host, port, key, opts)}\n`, { mode: 0o600 });
  });
  appendLocks.set(file, next);
  try {
    await next;
  } finally {
    if (appendLocks.get(file) === next) appendLocks.delete(file);
  }
}
