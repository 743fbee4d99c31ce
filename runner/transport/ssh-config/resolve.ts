// What ssh_config says for one host, read as OpenSSH reads it (readconf.c): files in order, Host and Match blocks,
// Include in place, and for each setting the first value found wins (IdentityFile accumulates). Only the keywords
// that decide where and how haforge connects are kept; others are ignored as harmless, and the ones that would send
// the connection elsewhere in a way haforge does not follow are refused with their file and line.
import { basename, dirname, isAbsolute, join } from 'node:path';
import { globMatch } from '../../inventory/glob.js';
import { parseLines, SshConfigError, type Directive } from './lines.js';
import { hostLineMatches, patternListMatches } from './patterns.js';
import { parseJumps } from './jump.js';
import { expandTokens } from './tokens.js';

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

/** Settings ssh_config gives one host; undefined: not set there (the caller's defaults apply). */
export interface SshConfigSettings {
  hostname: string;
  user?: string;
  port?: number;
  /** As written (tokens and `~` unexpanded, as `ssh -G` prints them): see tokens.ts. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** `[user@]host[:port]` hops, comma-separated, as written. */
  proxyJump?: string;
  strictHostKeyChecking?: StrictHostKeyChecking;
  userKnownHostsFiles?: string[];
  connectTimeout?: number;
  serverAliveInterval?: number;
  hashKnownHosts?: boolean;
}

export interface ConfigFile {
  path: string;
  /** The user's file (~/.ssh/config or -F): relative Includes are under ~/.ssh; else under /etc/ssh. */
  user: boolean;
  /** Named by the user (-F, ssh.config): unreadable is an error; the default files may be absent. */
  required?: boolean;
}

export interface ConfigIo {
  home: string;
  read(path: string): string | undefined;
  list(dir: string): string[];
}

const MAX_INCLUDE_DEPTH = 16; // OpenSSH's READCONF_MAX_DEPTH

interface State {
  readonly original: string;
  s: SshConfigSettings;
  /** Where each setting in effect came from (`file:line`), when the caller asked. */
  origins?: Map<keyof SshConfigSettings, string>;
  proxyCommand?: Directive;
  jumpSet: boolean;
}

/** `origins`, when given, is filled with the `file:line` of each setting in effect (for `--show-ssh`). */
export function resolveSshConfig(
  files: readonly ConfigFile[],
  host: string,
  io: ConfigIo,
  origins?: Map<keyof SshConfigSettings, string>,
): SshConfigSettings {
  const st: State = { original: host, s: { hostname: '', identityFiles: [] }, jumpSet: false, ...(origins ? { origins } : {}) };
  for (const f of files) {
    const text = io.read(f.path);
    if (text === undefined) {
      if (f.required) throw new SshConfigError(f.path, 0, 'cannot be read');
      continue;
    }
    readFile(parseLines(text, f.path), f, io, st, 0, false);
  }
  const pc = st.proxyCommand;
  if (pc && pc.args[0]?.toLowerCase() !== 'none')
    throw new SshConfigError(pc.file, pc.line, `ProxyCommand is not supported (for ${host}): use ProxyJump`);
  if (st.s.proxyJump?.toLowerCase() === 'none') delete st.s.proxyJump;
  // ssh lowercases the name it connects to, whichever way it came.
  st.s.hostname = (st.s.hostname || host).toLowerCase();
  return st.s;
}

/** Lines of one file; `never`: inside a block that does not apply (an Include there reads nothing into effect). */
function readFile(lines: Directive[], f: ConfigFile, io: ConfigIo, st: State, depth: number, never: boolean): void {
  let active = !never;
  for (const d of lines) {
    if (d.keyword === 'host') active = !never && hostLineMatches(d.args, st.original);
    else if (d.keyword === 'match') active = matchLine(d, st) && !never;
    else if (d.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) throw new SshConfigError(d.file, d.line, 'Include nested too deep');
      for (const path of d.args.flatMap((a) => includedFiles(a, f, io))) {
        const text = io.read(path);
        if (text !== undefined) readFile(parseLines(text, path), f, io, st, depth + 1, !active);
      }
    } else if (active) {
      const before = { ...st.s, identityFiles: st.s.identityFiles.length };
      apply(d, st);
      if (st.origins) noteOrigins(before, d, st);
    }
    else if (d.keyword === 'proxyjump') checkJump(d);
  }
}

/** Records `file:line` for each setting this directive set (the first value wins, so later ones change nothing). */
function noteOrigins(before: Record<string, unknown>, d: Directive, st: State): void {
  for (const [k, v] of Object.entries(st.s) as [keyof SshConfigSettings, unknown][]) {
    const changed = k === 'identityFiles' ? st.s.identityFiles.length !== before[k] : v !== before[k];
    if (changed && !st.origins!.has(k)) st.origins!.set(k, `${d.file}:${d.line}`);
  }
}

function includedFiles(arg: string, f: ConfigFile, io: ConfigIo): string[] {
  const base = f.user ? join(io.home, '.ssh') : '/etc/ssh';
  const full = arg.startsWith('~/') ? join(io.home, arg.slice(2)) : isAbsolute(arg) ? arg : join(base, arg);
  const name = basename(full);
  if (!/[*?]/.test(name)) return [full];
  return io.list(dirname(full)).filter((n) => globMatch(name, n)).sort().map((n) => join(dirname(full), n));
}

/** `Match` with host, originalhost and all (each may be negated with `!`); every other criterion is refused. */
function matchLine(d: Directive, st: State): boolean {
  if (d.args.length === 0) throw new SshConfigError(d.file, d.line, 'Match needs a criterion');
  // Match host sees the name after HostName (with %h expanded), as ssh does.
  const current = st.s.hostname || st.original;
  let result = true;
  for (let i = 0; i < d.args.length; i++) {
    const raw = d.args[i]!;
    const negated = raw.startsWith('!');
    const crit = (negated ? raw.slice(1) : raw).toLowerCase();
    let hit: boolean;
    if (crit === 'all') {
      if (d.args.length !== 1) throw new SshConfigError(d.file, d.line, '"Match all" cannot be combined with other criteria');
      hit = true;
    } else if (crit === 'host' || crit === 'originalhost') {
      const list = d.args[++i];
      if (list === undefined) throw new SshConfigError(d.file, d.line, `Match ${crit} needs a pattern`);
      hit = patternListMatches(list, crit === 'host' ? current : st.original);
    } else {
      throw new SshConfigError(d.file, d.line, `Match ${crit} is not supported (only host, originalhost and all)`);
    }
    if (hit === negated) result = false;
  }
  return result;
}

/** ssh refuses a malformed ProxyJump wherever it stands, in a block that applies or not. */
function checkJump(d: Directive): void {
  const v = need(d);
  const hops = v.toLowerCase() === 'none' ? [] : parseJumps(v);
  if ('error' in hops) throw new SshConfigError(d.file, d.line, `ProxyJump: ${hops.error}`);
}

/** The one value of a keyword (ssh: "garbage at end of line" after it); ProxyCommand takes the whole rest. */
function need(d: Directive, single = true): string {
  const v = d.args[0];
  if (v === undefined) throw new SshConfigError(d.file, d.line, `${d.keyword} needs a value`);
  if (single && d.args.length > 1) throw new SshConfigError(d.file, d.line, `${d.keyword} takes one value, not "${d.args.join(' ').slice(0, 60)}"`);
  return v;
}

function yesNo(d: Directive): boolean {
  const v = need(d).toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new SshConfigError(d.file, d.line, `${d.keyword} is yes or no, not "${v}"`);
}

function seconds(d: Directive, min: number): number {
  const v = need(d);
  if (!/^\d{1,9}$/.test(v) || Number(v) < min) throw new SshConfigError(d.file, d.line, `${d.keyword} is a number of seconds, not "${v}"`);
  return Number(v);
}

const STRICT: Record<string, StrictHostKeyChecking> = { yes: 'yes', true: 'yes', no: 'no', false: 'no', off: 'no', ask: 'ask', 'accept-new': 'accept-new' };

/** One setting in effect: set only when nothing earlier set it (IdentityFile adds). */
function apply(d: Directive, st: State): void {
  const s = st.s;
  switch (d.keyword) {
    case 'hostname': {
      if (s.hostname) return;
      const v = expandTokens(need(d), { h: st.original }, 'h');
      if ('bad' in v) throw new SshConfigError(d.file, d.line, `HostName does not take ${v.bad}`);
      s.hostname = v.value;
      return;
    }
    case 'user':
      s.user ??= need(d);
      return;
    case 'port': {
      const v = need(d);
      if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new SshConfigError(d.file, d.line, `Port is 1..65535, not "${v}"`);
      s.port ??= Number(v);
      return;
    }
    case 'identityfile': {
      const v = need(d);
      if (!s.identityFiles.includes(v)) s.identityFiles.push(v);
      return;
    }
    case 'identitiesonly':
      s.identitiesOnly ??= yesNo(d);
      return;
    case 'hashknownhosts':
      s.hashKnownHosts ??= yesNo(d);
      return;
    case 'stricthostkeychecking': {
      const v = STRICT[need(d).toLowerCase()];
      if (!v) throw new SshConfigError(d.file, d.line, `StrictHostKeyChecking is yes, no, ask or accept-new, not "${d.args[0]}"`);
      s.strictHostKeyChecking ??= v;
      return;
    }
    case 'userknownhostsfile':
      s.userKnownHostsFiles ??= d.args.length ? [...d.args] : [need(d)];
      return;
    case 'connecttimeout':
      if (need(d).toLowerCase() !== 'none') s.connectTimeout ??= seconds(d, 0);
      return;
    case 'serveraliveinterval':
      s.serverAliveInterval ??= seconds(d, 0);
      return;
    // ProxyJump and ProxyCommand share one slot, in ssh's order: a jump is taken when no command came first; a
    // command when no jump (other than "none") did.
    case 'proxyjump': {
      checkJump(d);
      if (!st.jumpSet && !st.proxyCommand) {
        s.proxyJump = need(d);
        st.jumpSet = true;
      }
      return;
    }
    case 'proxycommand':
      need(d, false);
      if (!st.proxyCommand && (!st.jumpSet || s.proxyJump?.toLowerCase() === 'none')) st.proxyCommand = d;
      return;
    case 'canonicalizehostname':
      if (need(d).toLowerCase() !== 'no')
        throw new SshConfigError(d.file, d.line, 'CanonicalizeHostname is not supported: give the full name in HostName');
      return;
    default:
      return;
  }
}
