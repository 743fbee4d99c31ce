// The wizard's answer checks: what is accepted, and the reason given for what is not (shown under the question,
// which stays open).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  checkHostPort,
  checkKeyFile,
  checkPort,
  checkSavePath,
  checkStatsPassword,
  checkUser,
  expandPath,
  formatHostPort,
  parseHostPort,
} from '../../runner/wizard/validate.js';
import { checkOption, optionNamed } from '../../runner/wizard/ask-option.js';
import { options } from '../../recipes/options.js';

const option = (name: string) => optionNamed(options, name);

const dir = mkdtempSync(join(tmpdir(), 'haforge-wizval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('addresses and ports', () => {
  test.each([
    ['192.0.2.10', { address: '192.0.2.10', port: 22 }],
    [' 192.0.2.10 ', { address: '192.0.2.10', port: 22 }],
    ['192.0.2.10:2222', { address: '192.0.2.10', port: 2222 }],
    ['lb1.example.com', { address: 'lb1.example.com', port: 22 }],
    ['web-1:22', { address: 'web-1', port: 22 }],
    ['2001:db8::10', { address: '2001:db8::10', port: 22 }],
    ['[2001:db8::10]:2200', { address: '2001:db8::10', port: 2200 }],
  ])('%s is accepted', (text, want) => {
    expect(parseHostPort(text)).toEqual(want);
    expect(checkHostPort(text)).toBe(true);
  });

  test.each([
    ['', 'an address is needed'],
    ['10.0.0.300', '"10.0.0.300" is not an IP address or a DNS name (IPv4 is four numbers 0-255'],
    ['web 1', 'has spaces'],
    ['under_score.example', 'is not an IP address or a DNS name'],
    ['192.0.2.1:0', 'port 0 is out of range'],
    ['192.0.2.1:70000', 'port 70000 is out of range'],
    ['192.0.2.1:ssh', '"ssh" is not a port'],
    ['[2001:db8::1]:x', '"x" is not a port'],
  ])('%j is refused: %s', (text, reason) => {
    const r = checkHostPort(text);
    expect(r).not.toBe(true);
    expect(r).toContain(reason);
  });

  test('an address already in the setup (same port) is refused; another port is another host', () => {
    const taken = [{ address: '192.0.2.10', port: 22 }];
    expect(checkHostPort('192.0.2.10', taken)).toContain('already in this setup');
    expect(checkHostPort('192.0.2.10:2222', taken)).toBe(true);
  });

  test('ports and formatting', () => {
    expect(checkPort('22')).toBe(true);
    expect(checkPort('65536')).toContain('out of range');
    expect(formatHostPort({ address: '192.0.2.1', port: 22 })).toBe('192.0.2.1');
    expect(formatHostPort({ address: '2001:db8::1', port: 2200 })).toBe('[2001:db8::1]:2200');
  });
});

describe('users, branches, stats', () => {
  test('SSH user', () => {
    expect(checkUser('admin')).toBe(true);
    expect(checkUser('deploy.bot')).toBe(true);
    expect(checkUser('ad min')).toContain('is not a user name');
    expect(checkUser('')).toContain('is not a user name');
  });
  // Option answers are checked by the option registry, in the words the inventory var and the flag get.
  test('HAProxy branch', () => {
    expect(checkOption(option('haproxy_version'), ' 3.2 ')).toBe(true);
    expect(checkOption(option('haproxy_version'), 'latest')).toBe('expected a HAProxy branch such as 3.2 (or a release such as 3.0.11), found "latest"');
  });
  test('stats user and password', () => {
    expect(checkOption(option('stats_user'), 'admin')).toBe(true);
    expect(checkOption(option('stats_user'), 'a b')).toBe('expected 1-64 letters, digits, "_", "." or "-", found "a b"');
    expect(checkStatsPassword('short')).toContain('at least 8 characters');
    expect(checkStatsPassword('long enough')).toBe(true);
    expect(checkStatsPassword('tab\there!')).toContain('control characters');
  });
});

describe('files', () => {
  const key = join(dir, 'id_test');
  writeFileSync(key, '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
  const pub = join(dir, 'id_test.pub');
  writeFileSync(pub, 'ssh-ed25519 AAAA test\n');
  const open = join(dir, 'id_open');
  writeFileSync(open, '-----BEGIN OPENSSH PRIVATE KEY-----\n', { mode: 0o644 });
  chmodSync(open, 0o644);
  const notKey = join(dir, 'notes.txt');
  writeFileSync(notKey, 'hello\n', { mode: 0o600 });
  const encrypted = join(dir, 'id_enc');
  writeFileSync(encrypted, '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n', { mode: 0o600 });

  test('a private key file is accepted, ~ is the home folder', () => {
    expect(checkKeyFile(key)).toBe(true);
    mkdirSync(join(dir, '.ssh'), { recursive: true });
    writeFileSync(join(dir, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
    expect(checkKeyFile('~/.ssh/id_ed25519', dir)).toBe(true);
    expect(expandPath('~/.ssh/id_ed25519', dir)).toBe(join(dir, '.ssh', 'id_ed25519'));
  });
  test.each([
    ['/nonexistent/key', 'no such file: /nonexistent/key'],
    [pub, 'is a public key; give the private key'],
    [open, 'is readable by others (mode 0644); OpenSSH refuses such keys: chmod 600'],
    [notKey, 'is not a private key file'],
    [encrypted, 'protected by a passphrase; load it into ssh-agent'],
    [dir, 'is not a file'],
  ])('%s is refused: %s', (file, reason) => {
    expect(checkKeyFile(file)).toContain(reason);
  });
  test('where to save the inventory', () => {
    expect(checkSavePath(join(dir, 'haforge.yaml'))).toBe(true);
    expect(checkSavePath(dir)).toContain('is a folder');
    expect(checkSavePath(join(dir, 'no', 'such', 'x.yaml'))).toContain('does not exist');
  });
});
