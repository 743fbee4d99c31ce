// known_hosts parsing, matching and fingerprints, cross-checked against OpenSSH's ssh-keygen where it can.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  formatKnownHostLine,
  hostFieldMatches,
  hostKeyName,
  keyTypeOf,
  parseKnownHosts,
  readKnownHosts,
} from '../../runner/transport/known-hosts.js';

let dir: string;
const keys: Record<string, { type: string; b64: string; blob: Buffer; pubFile: string }> = {};

function keygen(name: string, type: string): void {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
  const [t, b64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  keys[name] = { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: `${file}.pub` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-kh-'));
  keygen('ed1', 'ed25519');
  keygen('ed2', 'ed25519');
  keygen('rsa1', 'rsa');
  keygen('ec1', 'ecdsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (host: string, k: string) => `${host} ${keys[k].type} ${keys[k].b64}`;

describe('fingerprint and key type', () => {
  test.each(['ed1', 'rsa1', 'ec1'])('matches ssh-keygen -l for %s', (k) => {
    const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', keys[k].pubFile]).toString();
    const expected = out.split(' ')[1];
    expect(fingerprint(keys[k].blob)).toBe(expected);
    expect(fingerprint(keys[k].blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/); // no '=' padding
  });

  test('key type comes from the blob', () => {
    expect(keyTypeOf(keys.ed1.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(keys.rsa1.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(keys.ec1.blob)).toBe('ecdsa-sha2-nistp256');
    expect(() => keyTypeOf(Buffer.from([0, 0, 0xff, 0xff]))).toThrow();
  });
});

describe('host names and matching', () => {
  test('port 22 is bare, others are [host]:port', () => {
    expect(hostKeyName('web1.example', 22)).toBe('web1.example');
    expect(hostKeyName('10.0.0.11', 2222)).toBe('[10.0.0.11]:2222');
    expect(hostKeyName('WEB1', 22)).toBe('web1');
  });

  test('comma lists, wildcards, negation, case', () => {
    expect(hostFieldMatches('a,b,10.0.0.11', '10.0.0.11')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'web1.example.com')).toBe(true);
    expect(hostFieldMatches('web?', 'web1')).toBe(true);
    expect(hostFieldMatches('web?', 'web10')).toBe(false);
    expect(hostFieldMatches('*.example.com,!db.example.com', 'db.example.com')).toBe(false);
    expect(hostFieldMatches('WEB1', 'web1')).toBe(true);
    expect(hostFieldMatches('10.0.0.1', '10.0.0.11')).toBe(false); // no prefix match
    expect(hostFieldMatches('10.0.0.1.', '10.0.0.11')).toBe(false); // '.' is literal
    expect(hostFieldMatches('[10.0.0.11]:2222', '[10.0.0.11]:2222')).toBe(true);
    expect(hostFieldMatches('10.0.0.11', '[10.0.0.11]:2222')).toBe(false); // other port, other entry
  });

  test('hashed names written by ssh-keygen -H are matched', () => {
    const file = join(dir, 'kh-hash');
    writeFileSync(file, `${line('[127.0.0.1]:2222', 'ed1')}\n${line('web1.example', 'ed2')}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    const entries = parseKnownHosts(text);
    expect(checkHostKey(entries, '127.0.0.1', 2222, keys.ed1.blob).status).toBe('known');
    expect(checkHostKey(entries, 'web1.example', 22, keys.ed2.blob).status).toBe('known');
    expect(checkHostKey(entries, '127.0.0.1', 22, keys.ed1.blob).status).toBe('unknown');
  });

  test('hashed lines we write are found by ssh-keygen -F', () => {
    const file = join(dir, 'kh-ours');
    writeFileSync(file, `${formatKnownHostLine('10.0.0.11', 2222, keys.ed1.blob, { hash: true })}\n`);
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const found = execFileSync('ssh-keygen', ['-F', '[10.0.0.11]:2222', '-f', file]).toString();
    expect(found).toContain(keys.ed1.b64);
  });
});

describe('parse and classify', () => {
  const text = () =>
    [
      '# a comment',
      '',
      line('web1,10.0.0.11', 'ed1'),
      line('[10.0.0.12]:2222', 'rsa1'),
      `@revoked * ${keys.ec1.type} ${keys.ec1.b64}`,
      `@cert-authority *.example ${keys.ed2.type} ${keys.ed2.b64}`,
      'garbage-line-with-too-few-fields',
      line('multi', 'ed1'),
      line('multi', 'rsa1'),
    ].join('\n');

  test('parses entries with line numbers and markers, skips junk', () => {
    const e = parseKnownHosts(text());
    expect(e.map((x) => [x.line, x.marker ?? '', x.hosts])).toEqual([
      [3, '', 'web1,10.0.0.11'],
      [4, '', '[10.0.0.12]:2222'],
      [5, 'revoked', '*'],
      [6, 'cert-authority', '*.example'],
      [8, '', 'multi'],
      [9, '', 'multi'],
    ]);
  });

  test('known / unknown / changed / revoked', () => {
    const e = parseKnownHosts(text());
    expect(checkHostKey(e, '10.0.0.11', 22, keys.ed1.blob)).toMatchObject({ status: 'known', entry: { line: 3 } });
    expect(checkHostKey(e, 'web1', 22, keys.ed1.blob).status).toBe('known');
    expect(checkHostKey(e, '10.0.0.99', 22, keys.ed1.blob).status).toBe('unknown');
    // same type, different key
    const changed = checkHostKey(e, '10.0.0.11', 22, keys.ed2.blob);
    expect(changed.status).toBe('changed');
    expect(changed.status === 'changed' && changed.known.map((k) => k.line)).toEqual([3]);
    // a key of another type while the file has keys for the host and none matches: also changed
    expect(checkHostKey(e, '10.0.0.12', 2222, keys.ed1.blob).status).toBe('changed');
    expect(checkHostKey(e, '10.0.0.12', 2222, keys.rsa1.blob).status).toBe('known');
    // any of several keys for a host is fine
    expect(checkHostKey(e, 'multi', 22, keys.rsa1.blob).status).toBe('known');
    // revoked wins, whatever else the file says
    expect(checkHostKey(e, 'anything', 22, keys.ec1.blob).status).toBe('revoked');
    // a cert-authority line does not make a host "known"
    expect(checkHostKey(e, 'x.example', 22, keys.ed2.blob).status).toBe('unknown');
  });
});

describe('readKnownHosts and appendKnownHost', () => {
  test('a missing file reads as empty', async () => {
    expect(await readKnownHosts(join(dir, 'does-not-exist'))).toEqual([]);
  });

  test('creates the directory and file, appends once, adds a missing final newline', async () => {
    const file = join(dir, 'new', 'deeper', 'known_hosts');
    await appendKnownHost(file, '10.0.0.11', 2222, keys.ed1.blob);
    await appendKnownHost(file, '10.0.0.11', 2222, keys.ed1.blob); // already known: no second line
    expect(readFileSync(file, 'utf8')).toBe(`[10.0.0.11]:2222 ${keys.ed1.type} ${keys.ed1.b64}\n`);

    const noNl = join(dir, 'no-newline');
    writeFileSync(noNl, line('web9', 'ed2'));
    await appendKnownHost(noNl, 'web1', 22, keys.ed1.blob);
    expect(readFileSync(noNl, 'utf8')).toBe(`${line('web9', 'ed2')}\n${line('web1', 'ed1')}\n`);
  });

  test('parallel appends of the same new key write it once; different hosts all land', async () => {
    const file = join(dir, 'parallel');
    await Promise.all([
      ...Array.from({ length: 10 }, () => appendKnownHost(file, '10.0.0.5', 22, keys.ed1.blob)),
      ...Array.from({ length: 5 }, (_, i) => appendKnownHost(file, `10.0.1.${i}`, 22, keys.ed2.blob)),
    ]);
    const entries = await readKnownHosts(file);
    expect(entries).toHaveLength(6);
    expect(entries.filter((x) => x.hosts === '10.0.0.5')).toHaveLength(1);
  });
});
