// HAProxy's runtime API (the master's `stats socket`, management.txt section 9.3) over the host's shell: commands
// go to /run/haproxy/admin.sock through `socat`, which haproxy-install puts on every LB. socat and not `nc -U`:
// Debian has two netcats with different flags (openbsd's -U, traditional has none), socat is one package with one
// syntax, and `-t` bounds the wait for HAProxy's answer. Every command line is checked here and quoted by the
// shell quoting helper, so no newline or `;` can add a runtime command and no shell syntax reaches the host.
import type { Fact } from '../../runner/engine/types.js';
import { sh } from '../../runner/transport/quote.js';

export const ADMIN_SOCKET = '/run/haproxy/admin.sock';
/** The web listen haproxy-config writes (templates/haproxy-cfg: the default listen name). */
export const WEB_LISTEN = 'cluster_web';

/** One runtime API command: printable words, no `;` (HAProxy's command separator) and no line break. */
const COMMAND = /^[A-Za-z0-9_./:@ -]{1,200}$/;

export function checkRuntimeCommand(line: string): string {
  if (!COMMAND.test(line)) throw new Error(`not a runtime API command haforge sends: ${JSON.stringify(line)}`);
  return line;
}

/** A shell command that sends these runtime commands (one line, `;`-separated: one connection) and prints the answers. */
export function runtimeCommand(lines: readonly string[]): string {
  const text = lines.map(checkRuntimeCommand).join('; ');
  return sh`printf '%s\\n' ${text} | socat -t 5 - UNIX-CONNECT:${ADMIN_SOCKET}`;
}

/** Like runtimeCommand, for commands that answer nothing on success (`set server ...`): any answer is the error
 * text and the command exits 1 with it on stderr, so a failed change fails its step. */
export function runtimeChange(lines: readonly string[]): string {
  return `out=$(${runtimeCommand(lines)}) || exit 1; [ -z "$(printf '%s' "$out" | tr -d '[:space:]')" ] || { printf '%s\\n' "$out" >&2; exit 1; }`;
}

/** Administrative state, from `show servers state`'s srv_admin_state bits (FMAINT 0x01, IMAINT 0x02, CMAINT
 * 0x04, FDRAIN 0x08, IDRAIN 0x10, RMAINT 0x20, HMAINT 0x40). */
export type AdminState = 'ready' | 'drain' | 'maint';

export interface ServerState {
  backend: string;
  server: string;
  admin: AdminState;
  /** Any admin bit at all (inherited or from the config too): the server takes no new traffic. */
  adminBits: number;
  /** srv_op_state: 0 stopped (health DOWN), 1 starting, 2 running, 3 stopping. */
  running: boolean;
  /** Current sessions (show stat's scur); undefined when show stat was not read. */
  sessions?: number;
  /** show stat's status column (UP, DOWN, DRAIN, MAINT, "UP 1/2", ...). */
  status?: string;
}

export function adminStateOf(bits: number): AdminState {
  if (bits & 0x01) return 'maint';
  if (bits & 0x08) return 'drain';
  return 'ready';
}

/** Parses `show servers state [BACKEND]` followed by `show stat` (either may be absent). */
export function parseServerStates(out: string): ServerState[] {
  const states: ServerState[] = [];
  const stat = new Map<string, { scur: number; status: string }>();
  let mode: 'none' | 'servers' | 'stat' = 'none';
  for (const line of out.split('\n')) {
    if (line.startsWith('# be_id')) mode = 'servers';
    else if (line.startsWith('# pxname')) mode = 'stat';
    else if (mode === 'servers') {
      const f = line.trim().split(/\s+/);
      if (f.length < 7 || !/^\d+$/.test(f[0]!)) continue;
      const bits = Number(f[6]);
      states.push({ backend: f[1]!, server: f[3]!, admin: adminStateOf(bits), adminBits: bits, running: f[5] === '2' });
    } else if (mode === 'stat') {
      const f = line.split(',');
      if (f.length > 17 && f[1] !== 'FRONTEND' && f[1] !== 'BACKEND') stat.set(`${f[0]}/${f[1]}`, { scur: Number(f[4]), status: f[17]! });
    }
  }
  for (const s of states) {
    const st = stat.get(`${s.backend}/${s.server}`);
    if (st) Object.assign(s, { sessions: st.scur, status: st.status });
  }
  return states;
}

/** Whether a server takes new requests: health running and no admin bit. */
export const serving = (s: ServerState): boolean => s.running && s.adminBits === 0;

/** The web listen's servers with their sessions, as this LB's HAProxy has them now. */
export const webServerStates: Fact<ServerState[]> = {
  name: 'haproxy-web-server-states',
  command: runtimeCommand([`show servers state ${WEB_LISTEN}`, 'show stat']),
  parse(r) {
    if (r.code !== 0) throw new Error(`the runtime API did not answer (${ADMIN_SOCKET}): ${r.stderr.trim() || `exit ${String(r.code)}`}`);
    return parseServerStates(r.stdout).filter((s) => s.backend === WEB_LISTEN);
  },
};

/** `set server BACKEND/SERVER state STATE`. */
export const setServerState = (server: string, state: AdminState): string =>
  runtimeChange([`set server ${WEB_LISTEN}/${server} state ${state}`]);
