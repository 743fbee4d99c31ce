// OpenPGP fingerprints of the public keys in a key file (binary or ASCII-armored), without gpg: minimal
// hosts and CI have none, and the pin (haproxy_repo_key_fingerprint) must be checked before anything is
// written. v4 keys (RFC 4880 §12.2): SHA-1 over 0x99, the 2-byte body length and the key packet body.
import { createHash } from 'node:crypto';
import { isArmored } from './pgp-armor.js';

const PUBLIC_KEY = 6;

/** The binary packets of every armored block in `text`. */
function dearmor(text: string): Buffer[] {
  const out: Buffer[] = [];
  const blocks = text.replace(/\r\n/g, '\n').split('-----BEGIN PGP PUBLIC KEY BLOCK-----').slice(1);
  for (const block of blocks) {
    const body = block.split('-----END PGP PUBLIC KEY BLOCK-----')[0] ?? '';
    // Armor headers end at the first blank line; the checksum line starts with '='.
    const lines = body.split('\n');
    const start = lines.findIndex((l, i) => i > 0 && l.trim() === '');
    const data = lines.slice(start + 1).filter((l) => !l.startsWith('=')).join('');
    out.push(Buffer.from(data, 'base64'));
  }
  return out;
}

interface Packet {
  tag: number;
  body: Buffer;
}

/** Packet headers, old and new format; stops at anything malformed (the caller then finds no key). */
function* packets(buf: Buffer): Generator<Packet> {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if ((b & 0x80) === 0) return;
    let tag: number;
    let len: number;
    if (b & 0x40) {
      tag = b & 0x3f;
      const l1 = buf[i + 1] ?? 0;
      if (l1 < 192) [len, i] = [l1, i + 2];
      else if (l1 < 224) [len, i] = [((l1 - 192) << 8) + (buf[i + 2] ?? 0) + 192, i + 3];
      else if (l1 === 255 && i + 6 <= buf.length) [len, i] = [buf.readUInt32BE(i + 2), i + 6];
      else return; // partial lengths are not used for key material
    } else {
      tag = (b >> 2) & 0x0f;
      const type = b & 3;
      if (type === 3) [len, i] = [buf.length - i - 1, i + 1];
      else {
        const n = 1 << type;
        if (i + 1 + n > buf.length) return;
        len = buf.readUIntBE(i + 1, n);
        i += 1 + n;
      }
    }
    if (i + len > buf.length) return;
    yield { tag, body: buf.subarray(i, i + len) };
    i += len;
  }
}

/** Upper-case hex fingerprints of the primary (v4) keys in the file; [] when it holds none. */
export function keyFingerprints(key: Buffer): string[] {
  const bins = isArmored(key) ? dearmor(key.toString('utf8')) : [key];
  const out: string[] = [];
  for (const bin of bins) {
    for (const p of packets(bin)) {
      if (p.tag !== PUBLIC_KEY || p.body[0] !== 4 || p.body.length > 0xffff) continue;
      const head = Buffer.from([0x99, p.body.length >> 8, p.body.length & 0xff]);
      out.push(createHash('sha1').update(head).update(p.body).digest('hex').toUpperCase());
    }
  }
  return out;
}

/** `0123 4567 ...` as gpg prints it: 10 groups of 4. */
export function spacedFingerprint(fpr: string): string {
  return fpr.toUpperCase().replace(/(.{4})(?!$)/g, '$1 ');
}

/** The pin as 40 upper-case hex digits (the option's pattern allows spaces and either case). */
export function normalFingerprint(pin: string): string {
  return pin.replace(/\s+/g, '').toUpperCase();
}

/** Why the key file is not acceptable under the pin, or undefined. Every key in the file must be the pinned
 * one: apt trusts every key in a signed-by keyring, so an extra key would be trusted too. */
export function keyProblem(key: Buffer, pin: string | undefined): string | undefined {
  const fprs = keyFingerprints(key);
  if (fprs.length === 0) return 'is not an OpenPGP public key (v4)';
  if (pin === undefined) return undefined;
  const want = normalFingerprint(pin);
  const others = fprs.filter((f) => f !== want);
  if (others.length === 0) return undefined;
  return `holds key ${others.map(spacedFingerprint).join(', ')}, not the pinned ${spacedFingerprint(want)}`;
}

/** 'https', 'file' (no scheme: a local path), or the URL scheme given (http, ftp, ...), which is refused. */
export function keySource(where: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(where);
  return m ? m[1]!.toLowerCase() : 'file';
}
