// HAProxy's runtime API (the admin socket the generated global section opens), as shell for the LB: one command
// sent through socat, the running servers read back, servers added and removed with no reload, the server states
// saved for the next reload to load (server-state-file), the map that answers ACME challenges and the certificate
// swap without a reload, and drain / maint / ready. Every word is checked here (the API splits on spaces; `;`
// separates its commands); a certificate and its key go on stdin, never in a command line. socat and not `nc -U`:
// Debian has two netcats with different flags, socat is one package with one syntax, and `-t` bounds the wait.
import type { Fact } from '../../runner/engine/types.js';
import { quote, sh } from '../../runner/transport/quote.js';
import { ACME_WORD } from './acme.js';

export const ADMIN_SOCKET = '/run/haproxy/admin.sock';
/** Where the states are saved before each reload (global `server-state-file`), read back at start. */
export const SERVER_STATE_FILE = '/var/lib/haproxy/server-state';
/** The package that talks to the socket (HAProxy ships no client; minimal Debian hosts have no socat). */
export const RUNTIME_CLIENT_PACKAGE = 'socat';

/** `hc 'command'` in the scripts below: one runtime command, its answer on stdout. */
const HC = `hc() { printf '%s\\n' "$1" | socat -t 5 stdio ${quote(`UNIX-CONNECT:${ADMIN_SOCKET}`)}; }`;

/** A server as the web listen declares it: name, address, port, and the rest of its line (check, cookie...). */
export interface RuntimeServer {
  name: string;
  address: string;
  port: number;
  /** The keywords after the address on the config line, as they are there. */
  params: string;
}

/** Reads the servers of a backend as running: `NAME ADDRESS PORT` lines (exit 1 when the socket does not answer). */
export const runningServersCommand = (backend: string) =>
  `${HC}; out=$(hc ${quote(`show servers state ${backend}`)}) || exit 1; printf '%s\\n' "$out" | awk '$1 ~ /^[0-9]+$/ && NF > 18 {print $4, $5, $19}'`;

export function parseRunningServers(out: string): { name: string; address: string; port: number }[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && /^\d+$/.test(f[2]!))
    .map(([name, address, port]) => ({ name: name!, address: address!, port: Number(port) }));
}

/** Saves the running states where the next start reads them (atomic: a reload never reads half a file). A
 * socket that does not answer (haproxy stopped) keeps the file as it is. */
export const saveStateCommand = () =>
  `${HC}; if out=$(hc 'show servers state') && [ -n "$out" ]; then printf '%s\\n' "$out" > ${quote(`${SERVER_STATE_FILE}.tmp`)} && mv -f ${quote(`${SERVER_STATE_FILE}.tmp`)} ${quote(SERVER_STATE_FILE)}; fi`;

/** Makes the state file valid when it is missing or empty (haproxy -c warns about both): its version line only. */
export const seedStateCommand = () => `{ [ -s ${quote(SERVER_STATE_FILE)} ] || echo 1 > ${quote(SERVER_STATE_FILE)}; }`;

export interface LiveServerChange {
  backend: string;
  add: RuntimeServer[];
  remove: string[];
  /** How long a removed server may keep its sessions while draining, and a new one may take to pass its check. */
  drainTimeoutS: number;
  healthTimeoutS: number;
}

/** A loop waiting for an awk condition on `show stat` for one server (columns by name, from the header). */
function waitStat(backend: string, server: string, cond: string, timeoutS: number, failure: string): string {
  const awk = `awk -F, -v b=${quote(backend)} -v s=${quote(server)} 'NR==1{sub(/^# /,"");for(i=1;i<=NF;i++)c[$i]=i} $1==b && $2==s {st=$(c["status"]); ck=$(c["check_status"]); cur=$(c["scur"])+0; if (${cond}) f=1} END{exit !f}'`;
  return `n=0; until hc 'show stat' | ${awk}; do n=$((n+1)); if [ $n -gt ${timeoutS * 2} ]; then echo ${quote(failure)} >&2; exit 1; fi; sleep 0.5; done`;
}

/**
 * The script that makes the running servers match: each new one added in maintenance, then draining (no traffic
 * but its checks run), made ready only once its health check passes, so no request reaches a node before it
 * answers; each removed one drained until its sessions end (or the timeout), put in maintenance, then deleted.
 * Safe to run again: a server already there is not added twice, one already gone is not an error.
 */
/** The servers of each listen/backend section of a rendered config, and the config without its server lines. */
export function serversOf(cfg: string): { rest: string; servers: Map<string, RuntimeServer[]> } {
  const servers = new Map<string, RuntimeServer[]>();
  const rest: string[] = [];
  let section = '';
  for (const line of cfg.split('\n')) {
    const head = /^(listen|backend|frontend|global|defaults|userlist|peers)\b\s*(\S*)/.exec(line);
    if (head) section = head[1] === 'listen' || head[1] === 'backend' ? head[2]! : '';
    const m = /^\s+server\s+(\S+)\s+(\S+):(\d+)\s*(.*)$/.exec(line);
    if (section && m) {
      const list = servers.get(section) ?? [];
      list.push({ name: m[1]!, address: m[2]!, port: Number(m[3]), params: m[4]!.trim() });
      servers.set(section, list);
    } else rest.push(line);
  }
  return { rest: rest.join('\n'), servers };
}

export function liveServersScript(c: LiveServerChange): string {
  const lines = [HC, 'set -e'];
  for (const s of c.add) {
    const id = `${c.backend}/${s.name}`;
    lines.push(
      `out=$(hc ${quote(`add server ${id} ${s.address}:${s.port} ${s.params}`)}); case "$out" in *'New server registered'*|*'Already exists'*) ;; *) echo "add server ${s.name}: $out" >&2; exit 1;; esac`,
      `hc ${quote(`set server ${id} state drain`)} >/dev/null`,
      `hc ${quote(`enable health ${id}`)} >/dev/null`,
      waitStat(c.backend, s.name, 'ck ~ /^L[467]OK/ && st !~ /\\//', c.healthTimeoutS, `${s.name}: its health check did not pass within ${c.healthTimeoutS} s; left draining`),
      `hc ${quote(`set server ${id} state ready`)} >/dev/null`,
    );
  }
  for (const name of c.remove) {
    const id = `${c.backend}/${name}`;
    lines.push(
      `if hc ${quote(`show servers state ${c.backend}`)} | awk -v s=${quote(name)} '$4==s{f=1} END{exit !f}'; then`,
      `hc ${quote(`set server ${id} state drain`)} >/dev/null`,
      // Sessions may end late (a slow client): after the timeout the server goes anyway, as `del` needs it idle.
      `(${waitStat(c.backend, name, 'cur == 0', c.drainTimeoutS, `${name}: sessions still open after ${c.drainTimeoutS} s`)}) || true`,
      `hc ${quote(`set server ${id} state maint`)} >/dev/null`,
      `n=0; until hc ${quote(`del server ${id}`)} | grep -q 'Server deleted'; do n=$((n+1)); if [ $n -gt 20 ]; then echo ${quote(`del server ${name} refused`)} >&2; exit 1; fi; sleep 0.5; done`,
      'fi',
    );
  }
  return lines.join('\n');
}

// ACME challenges and certificates (issue 20).
const PATH = /^\/[A-Za-z0-9._/-]{1,255}$/;

function checked(what: string, v: string, re: RegExp): string {
  if (!re.test(v)) throw new Error(`haproxy runtime API: ${what} ${JSON.stringify(v)} is not a plain word`);
  return v;
}

/** The shell command that sends its stdin to the socket and prints the answers (socat, in Debian main). */
export function runtimeStdinCommand(socket = ADMIN_SOCKET): string {
  return `socat -t 5 - ${quote(`UNIX-CONNECT:${checked('socket', socket, PATH)}`)}`;
}

export function addMapLine(map: string, token: string, keyAuthorization: string): string {
  return `add map ${checked('map', map, PATH)} ${checked('token', token, ACME_WORD)} ${checked('key authorization', keyAuthorization, ACME_WORD)}\n`;
}

export function delMapLine(map: string, token: string): string {
  return `del map ${checked('map', map, PATH)} ${checked('token', token, ACME_WORD)}\n`;
}

/** `set ssl cert` with the bundle as a payload; `commit` makes it served. The transaction is process-wide: a
 * failed commit (key and certificate do not match) must be followed by `abort`, and the old one keeps serving. */
export function setCertPayload(file: string, bundlePem: string): string {
  const f = checked('certificate file', file, PATH);
  if (/\n\s*\n/.test(bundlePem.trim())) throw new Error('certificate bundle holds an empty line (it would end the payload)');
  return `set ssl cert ${f} <<\n${bundlePem.trim()}\n\n`;
}
export const commitCertLine = (file: string): string => `commit ssl cert ${checked('certificate file', file, PATH)}\n`;
export const abortCertLine = (file: string): string => `abort ssl cert ${checked('certificate file', file, PATH)}\n`;

// drain / maint / ready (recipes/server-state.ts).
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
