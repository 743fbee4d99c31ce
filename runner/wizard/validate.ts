// The checks the wizard runs on each answer as it is typed. Each returns true, or the reason shown under the
// question (which stays open for a corrected answer). Pure, apart from reading the files named.
import { statSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isAddress } from '../inventory/index.js';

export interface HostPort {
  address: string;
  port: number;
}

/** `~/x` is the home folder; relative paths are from the working directory (where the wizard runs). */
export function expandPath(path: string, home = homedir()): string {
  const p = path.trim();
  if (p === '~') return home;
  if (p.startsWith('~/')) return resolve(home, p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}

export function checkPort(text: string): true | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return `"${t}" is not a port: expected a number 1-65535`;
  const n = Number(t);
  return n >= 1 && n <= 65535 ? true : `port ${t} is out of range: expected 1-65535`;
}

/** `ADDRESS`, `ADDRESS:PORT`, `[IPV6]:PORT` or a bare IPv6 address; the port defaults to 22. */
export function parseHostPort(text: string, defaultPort = 22): HostPort | string {
  const t = text.trim();
  if (!t) return 'an address is needed (an IP address or a DNS name, optionally :PORT)';
  if (/\s/.test(t)) return `"${t}" has spaces: give one address (an IP address or a DNS name, optionally :PORT)`;
  let address = t;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (bracket) {
    address = bracket[1]!;
    port = bracket[2];
  } else if ((t.match(/:/g) ?? []).length === 1) {
    [address, port] = t.split(':') as [string, string];
  }
  if (!isAddress(address)) {
    return `"${address}" is not an IP address or a DNS name` + (/^[\d.]+$/.test(address) ? ' (IPv4 is four numbers 0-255, like 192.0.2.10)' : '');
  }
  if (port !== undefined) {
    const p = checkPort(port);
    if (p !== true) return p;
  }
  return { address, port: port === undefined ? defaultPort : Number(port) };
}

export function checkHostPort(text: string, taken: readonly HostPort[] = []): true | string {
  const hp = parseHostPort(text);
  if (typeof hp === 'string') return hp;
  const clash = taken.find((x) => x.address === hp.address && x.port === hp.port);
  return clash ? `${formatHostPort(hp)} is already in this setup; each host once (the LB cannot also be a web node)` : true;
}

export function formatHostPort(hp: HostPort, defaultPort = 22): string {
  const a = hp.address.includes(':') ? `[${hp.address}]` : hp.address;
  return hp.port === defaultPort ? hp.address : `${a}:${hp.port}`;
}

export function checkUser(text: string): true | string {
  const t = text.trim();
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(t) ? true : `"${t}" is not a user name (letters, digits, _ . -, at most 32)`;
}

/** What OpenSSH would refuse, said while the person can still fix it. */
export function checkKeyFile(text: string, home = homedir()): true | string {
  if (!text.trim()) return 'a key file is needed (e.g. ~/.ssh/id_ed25519)';
  const file = expandPath(text, home);
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return `no such file: ${file}`;
  if (!st.isFile()) return `${file} is not a file`;
  if (file.endsWith('.pub')) return `${file} is a public key; give the private key (${file.slice(0, -4)})`;
  if (st.mode & 0o077) {
    return `${file} is readable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); OpenSSH refuses such keys: chmod 600 ${file}`;
  }
  let head: string;
  try {
    head = readFileSync(file, 'utf8').slice(0, 200);
  } catch (err) {
    return `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head)) return `${file} is not a private key file (no "BEGIN ... PRIVATE KEY" line)`;
  if (/ENCRYPTED/.test(head) || /Proc-Type: 4,ENCRYPTED/.test(head)) {
    return `${file} is protected by a passphrase; load it into ssh-agent (ssh-add) and choose the agent instead`;
  }
  return true;
}

export const MIN_STATS_PASSWORD = 8;

export function checkStatsPassword(text: string): true | string {
  if (text.length < MIN_STATS_PASSWORD) return `too short: at least ${MIN_STATS_PASSWORD} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'control characters (tab, newline, ...) are not allowed';
  return true;
}

export function checkSecret(text: string): true | string {
  if (text.length === 0) return 'nothing typed; type it, or Ctrl-C to stop';
  // eslint-disable-next-line no-control-regex
  return /[\n\r\u0000]/.test(text) ? 'newlines are not allowed' : true;
}

/** Where to save the inventory: a file path whose folder exists. */
export function checkSavePath(text: string, home = homedir()): true | string {
  if (!text.trim()) return 'a file name is needed, e.g. haforge.yaml';
  const file = expandPath(text, home);
  const st = statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) return `${file} is a folder; give a file name in it, e.g. ${resolve(file, 'haforge.yaml')}`;
  if (!statSync(dirname(file), { throwIfNoEntry: false })?.isDirectory()) return `folder ${dirname(file)} does not exist`;
  return true;
}
