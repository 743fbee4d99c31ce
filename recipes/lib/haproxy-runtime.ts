// HAProxy's runtime API (the admin stats socket), as shell commands for the LB and their stdin: the map that
// answers ACME challenges and the certificate swap without a reload. Every word is checked here (the API splits
// on spaces); the certificate and its key go on stdin, never in a command line.
import { quote } from '../../runner/transport/quote.js';
import { ACME_WORD } from './acme.js';

export const ADMIN_SOCKET = '/run/haproxy/admin.sock';
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
