// Crypt(3) hashes for HAProxy's `userlist` (the stats page login), made on the machine running haforge: minimal
// Debian hosts have no openssl binary and haproxy does not pull one in. The password only ever travels on stdin,
// never in argv (argv is world-readable in /proc).
// node:child_process rather than zx: this runs on every `up` (verifyCrypt), and loading zx cost more than the hash.
import { spawn } from 'node:child_process';

const SALT_CHARS = '[./0-9A-Za-z]';
// $6$ (SHA-512) and $5$ (SHA-256), optional rounds=N; digests are 86 and 43 characters. $y$ (yescrypt, glibc's
// libxcrypt on bookworm/trixie): $y$PARAMS$SALT$DIGEST with a 43-character digest.
const SHA_CRYPT_RE = new RegExp(
  `^\\$(?:6\\$(?:rounds=\\d+\\$)?${SALT_CHARS}{1,16}\\$${SALT_CHARS}{86}` +
    `|5\\$(?:rounds=\\d+\\$)?${SALT_CHARS}{1,16}\\$${SALT_CHARS}{43})$`,
);
const YESCRYPT_RE = new RegExp(`^\\$y\\$${SALT_CHARS}+\\$${SALT_CHARS}+\\$${SALT_CHARS}{43}$`);

/** A well-formed $6$, $5$ or $y$ crypt hash (the kinds worth writing into a userlist). Empty is never one. */
export function isCryptHash(s: string): boolean {
  return SHA_CRYPT_RE.test(s) || YESCRYPT_RE.test(s);
}

// `openssl passwd -stdin` reads one password per line: a newline would silently split it.
function checkPassword(password: string): void {
  if (password.length === 0) throw new Error('refusing to hash an empty password');
  if (/[\r\n]/.test(password)) throw new Error('the password must not contain a newline');
}

async function opensslPasswd(args: string[], password: string): Promise<string> {
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('openssl', ['passwd', ...args, '-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    child.stderr.on('data', (b: Buffer) => stderr.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    child.stdin.on('error', () => undefined); // openssl gone early: its exit code says why
    child.stdin.end(`${password}\n`);
  }).catch((e: unknown) => {
    throw new Error(`openssl passwd could not run: ${(e as Error).message}`);
  });
  if (out.code !== 0) {
    throw new Error(`openssl passwd failed (exit ${String(out.code)}): ${out.stderr.trim() || 'no message'}`);
  }
  return out.stdout.trim();
}

/** SHA-512 crypt (`$6$SALT$DIGEST`) with a fresh random salt, made by the local openssl. */
export async function sha512Crypt(password: string): Promise<string> {
  checkPassword(password);
  const hash = await opensslPasswd(['-6'], password);
  if (!hash.startsWith('$6$') || !isCryptHash(hash)) throw new Error('openssl passwd -6 gave an unexpected result');
  return hash;
}

/**
 * Does `hash` (as found on the LB) match `password`? Lets the recipe keep the existing hash, so the config does not
 * change on every run just because a new salt was drawn. Recomputes with the same salt via openssl: $6$ and $5$
 * with the default rounds. Anything openssl cannot recompute ($y$, rounds=N) answers false, i.e. "not proven
 * equal": the caller then writes a fresh $6$ hash, which is correct, just not a no-op.
 */
export async function verifyCrypt(password: string, hash: string): Promise<boolean> {
  const m = /^\$(6|5)\$([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]+$/.exec(hash);
  if (!m || !isCryptHash(hash)) return false;
  if (password.length === 0 || /[\r\n]/.test(password)) return false;
  const [, algo, salt] = m;
  const again = await opensslPasswd([`-${algo}`, '-salt', salt], password);
  return again === hash;
}
