// Crypt(3) hashes for HAProxy's `userlist` (the stats page login), made on the machine running haforge: minimal
// Debian hosts have no openssl binary and haproxy does not pull one in.
// SHA-crypt ($5$ / $6$, Drepper's specification, as glibc and libxcrypt make them) computed here with node:crypto:
// the recipe checks the hash already on the LB on every run, and starting `openssl passwd` for it cost more than
// the hash itself. Proven against the specification's vectors and the real `openssl passwd` in test/unit.
import { createHash, randomBytes } from 'node:crypto';

const SALT_CHARS = '[./0-9A-Za-z]';
// $6$ (SHA-512) and $5$ (SHA-256), optional rounds=N; digests are 86 and 43 characters. $y$ (yescrypt, glibc's
// libxcrypt on bookworm/trixie): $y$PARAMS$SALT$DIGEST with a 43-character digest.
const SHA_CRYPT_RE = new RegExp(
  `^\\$(?:6\\$(?:rounds=\\d+\\$)?${SALT_CHARS}{1,16}\\$${SALT_CHARS}{86}` +
    `|5\\$(?:rounds=\\d+\\$)?${SALT_CHARS}{1,16}\\$${SALT_CHARS}{43})$`,
);
const YESCRYPT_RE = new RegExp(`^\\$y\\$${SALT_CHARS}+\\$${SALT_CHARS}+\\$${SALT_CHARS}{43}$`);
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;

/** A well-formed $6$, $5$ or $y$ crypt hash (the kinds worth writing into a userlist). Empty is never one. */
export function isCryptHash(s: string): boolean {
  return SHA_CRYPT_RE.test(s) || YESCRYPT_RE.test(s);
}

// Kept from the openssl days, where a newline split the password: a userlist line cannot hold one either.
function checkPassword(password: string): void {
  if (password.length === 0) throw new Error('refusing to hash an empty password');
  if (/[\r\n]/.test(password)) throw new Error('the password must not contain a newline');
}

type Algo = 'sha256' | 'sha512';

/** The SHA-crypt digest of key and salt, in crypt's own base64 and byte order. */
function shaCrypt(algo: Algo, key: Buffer, salt: Buffer, rounds: number): string {
  const H = (...parts: Buffer[]) => {
    const h = createHash(algo);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const n = algo === 'sha512' ? 64 : 32;
  /** `len` bytes of `block` repeated. */
  const stretch = (block: Buffer, len: number) => Buffer.concat(Array.from({ length: Math.ceil(len / n) }, () => block)).subarray(0, len);

  const b = H(key, salt, key);
  const a = createHash(algo).update(key).update(salt).update(stretch(b, key.length));
  for (let len = key.length; len > 0; len >>= 1) a.update(len & 1 ? b : key);
  let c = a.digest();
  const p = stretch(H(...Array.from({ length: key.length }, () => key)), key.length);
  const s = stretch(H(...Array.from({ length: 16 + c[0]! }, () => salt)), salt.length);
  for (let i = 0; i < rounds; i++) {
    const h = createHash(algo).update(i & 1 ? p : c);
    if (i % 3) h.update(s);
    if (i % 7) h.update(p);
    c = h.update(i & 1 ? c : p).digest();
  }

  // Three bytes at a time, from positions spread over the digest, four characters each, low bits first.
  let out = '';
  const put = (b2: number, b1: number, b0: number, chars: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let k = 0; k < chars; k++, w >>= 6) out += ITOA64[w & 0x3f];
  };
  const third = n === 64 ? 21 : 10;
  for (let k = 0; k < third; k++) {
    const t = [k, k + third, k + 2 * third];
    const r = n === 64 ? k % 3 : (3 - (k % 3)) % 3;
    const [x, y, z] = [...t.slice(r), ...t.slice(0, r)] as [number, number, number];
    put(c[x]!, c[y]!, c[z]!, 4);
  }
  if (n === 64) put(0, 0, c[63]!, 2);
  else put(0, c[31]!, c[30]!, 3);
  return out;
}

/** SHA-512 crypt (`$6$SALT$DIGEST`, default rounds) with a fresh random 16-character salt. */
export async function sha512Crypt(password: string): Promise<string> {
  checkPassword(password);
  const salt = [...randomBytes(16)].map((x) => ITOA64[x & 0x3f]).join('');
  return `$6$${salt}$${shaCrypt('sha512', Buffer.from(password, 'utf8'), Buffer.from(salt), DEFAULT_ROUNDS)}`;
}

/**
 * Does `hash` (as found on the LB) match `password`? Lets the recipe keep the existing hash, so the config does not
 * change on every run just because a new salt was drawn. $6$ and $5$, with or without rounds=N; anything else
 * ($y$, garbage) answers false, i.e. "not proven equal": the caller then writes a fresh $6$ hash, which is
 * correct, just not a no-op.
 */
export async function verifyCrypt(password: string, hash: string): Promise<boolean> {
  const m = /^\$(6|5)\$(?:rounds=(\d+)\$)?([./0-9A-Za-z]{1,16})\$([./0-9A-Za-z]+)$/.exec(hash);
  if (!m || !isCryptHash(hash)) return false;
  if (password.length === 0 || /[\r\n]/.test(password)) return false;
  const [, kind, roundsText, salt, digest] = m;
  // crypt clamps rounds to 1000..999999999 (out of range: not a hash it made). Above a million, recomputing it on
  // every run would cost seconds: "not proven equal" instead, and the caller writes a fresh default-rounds hash.
  const rounds = roundsText === undefined ? DEFAULT_ROUNDS : Number(roundsText);
  if (rounds < 1000 || rounds > 1_000_000) return false;
  return shaCrypt(kind === '6' ? 'sha512' : 'sha256', Buffer.from(password, 'utf8'), Buffer.from(salt!), rounds) === digest;
}
