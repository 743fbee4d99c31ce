// HAProxy's runtime API (the admin socket the generated global section opens), as shell for the LB: one command
// sent through socat, the running servers read back, servers added and removed with no reload, the server states
// saved for the next reload to load (server-state-file), the map that answers ACME challenges and the certificate
// swap without a reload. Every word is checked here (the API splits on spaces); a certificate and its key go on
// stdin, never in a command line.
import { quote } from '../../runner/transport/quote.js';
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
export function runtimeCommand(socket = ADMIN_SOCKET): string {
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
