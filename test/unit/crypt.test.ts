// crypt.ts: $6$ hashes for HAProxy's userlist, and recomputing one to keep the hash already on the LB
// (idempotence), checked against the specification's vectors, libxcrypt's hashes and the real local openssl.
// That HAProxy accepts the hash at login is proven live in e2e.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCryptHash, sha512Crypt, verifyCrypt } from '../../recipes/lib/crypt.js';

// Test vector from the SHA-crypt specification (Drepper), default 5000 rounds.
const SPEC_PW = 'Hello world!';
const SPEC_HASH = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
// Made with libxcrypt (python3 crypt): a $5$ and a $y$ hash of 'pw', and a $6$ with rounds=10000 of SPEC_PW.
const SHA256_PW_HASH = '$5$abcdefgh$ijtOJ//yvc/9bq1g0llFn9dB688BwBDRD90DlKKSKE1';
const YESCRYPT_PW_HASH = '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$U4SOHmDd8SvW5vCUKSMR6N835VPwFAtgYNhQ9mFFeL5';
const ROUNDS_HASH =
  '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.';

describe('isCryptHash', () => {
  it('accepts $6$, $5$ (with or without rounds) and $y$', () => {
    for (const h of [SPEC_HASH, SHA256_PW_HASH, YESCRYPT_PW_HASH, ROUNDS_HASH]) expect(isCryptHash(h)).toBe(true);
  });
  it('refuses empty, clear text, truncated, md5 and DES hashes', () => {
    for (const h of ['', 'secret', '$6$', '$6$saltstring$', '$6$saltstring$tooShort', '$1$abcdefgh$0123456789012345678901', 'abJnggxhB/yWI', `${SPEC_HASH}\n`, ` ${SPEC_HASH}`]) {
      expect(isCryptHash(h), JSON.stringify(h)).toBe(false);
    }
  });
});

describe('sha512Crypt', () => {
  it('makes a $6$ hash with a fresh salt each time', async () => {
    const [a, b] = await Promise.all([sha512Crypt('stats password'), sha512Crypt('stats password')]);
    expect(a).toMatch(/^\$6\$[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/);
    expect(isCryptHash(a)).toBe(true);
    expect(a).not.toBe(b);
  });

  it('passes shell metacharacters and a leading dash through stdin untouched', async () => {
    const pw = `-n 'quote" $(echo injected) ; | \\ ü`;
    const h = await sha512Crypt(pw);
    expect(await verifyCrypt(pw, h)).toBe(true);
    expect(await verifyCrypt(pw.slice(0, -1), h)).toBe(false);
  });

  it('refuses an empty password and one with a newline (a userlist line cannot hold one)', async () => {
    await expect(sha512Crypt('')).rejects.toThrow(/empty/);
    await expect(sha512Crypt('a\nb')).rejects.toThrow(/newline/);
    await expect(sha512Crypt('a\rb')).rejects.toThrow(/newline/);
  });
});

describe('verifyCrypt', () => {
  it('reproduces the SHA-crypt spec vector (same salt, same hash)', async () => {
    expect(await verifyCrypt(SPEC_PW, SPEC_HASH)).toBe(true);
    expect(await verifyCrypt('Hello world', SPEC_HASH)).toBe(false);
  });

  it('is true for its own hashes and false for another password', async () => {
    const h = await sha512Crypt('right');
    expect(await verifyCrypt('right', h)).toBe(true);
    expect(await verifyCrypt('wrong', h)).toBe(false);
  });

  it('verifies $5$ too', async () => {
    expect(await verifyCrypt('pw', SHA256_PW_HASH)).toBe(true);
    expect(await verifyCrypt('px', SHA256_PW_HASH)).toBe(false);
  });

  it('verifies rounds=N, and refuses rounds crypt would not make or that would take seconds each run', async () => {
    expect(await verifyCrypt(SPEC_PW, ROUNDS_HASH)).toBe(true);
    expect(await verifyCrypt('Hello world', ROUNDS_HASH)).toBe(false);
    expect(await verifyCrypt(SPEC_PW, ROUNDS_HASH.replace('rounds=10000', 'rounds=999'))).toBe(false);
    expect(await verifyCrypt(SPEC_PW, ROUNDS_HASH.replace('rounds=10000', 'rounds=5000000'))).toBe(false);
  });

  it('answers false (not proven equal) for what it cannot recompute: $y$, garbage, empty', async () => {
    expect(await verifyCrypt('pw', YESCRYPT_PW_HASH)).toBe(false);
    expect(await verifyCrypt('pw', '')).toBe(false);
    expect(await verifyCrypt('pw', 'pw')).toBe(false);
    expect(await verifyCrypt('', SPEC_HASH)).toBe(false);
  });
});

describe('against the real openssl passwd', () => {
  const openssl = (algo: '5' | '6', salt: string, password: string) =>
    execFileSync('openssl', ['passwd', `-${algo}`, '-salt', salt, '-stdin'], { input: `${password}\n` }).toString().trim();
  const chars = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

  it('agrees on passwords of every length from 1 to 150 bytes (the digest is stretched and folded by length), salts of 1 to 16', async () => {
    for (let len = 1; len <= 150; len += len < 20 ? 1 : 13) {
      const password = Buffer.from(randomBytes(len)).toString('base64').slice(0, len).replace(/[\r\n]/g, 'x');
      const salt = [...randomBytes(1 + (len % 16))].map((x) => chars[x & 63]).join('');
      for (const algo of ['5', '6'] as const) {
        const theirs = openssl(algo, salt, password);
        expect(await verifyCrypt(password, theirs), `${algo} ${len} ${salt}`).toBe(true);
        expect(await verifyCrypt(`${password}x`, theirs)).toBe(false);
      }
    }
  });

  it('agrees on UTF-8 and shell metacharacters, and openssl accepts our own salts', async () => {
    for (const password of ['ü€😀', `-n 'quote" $(echo x) ; | \\`, ' leading and trailing ']) {
      const ours = await sha512Crypt(password);
      const salt = ours.split('$')[2]!;
      expect(openssl('6', salt, password)).toBe(ours);
    }
  });
});
