// Lower (e) of issue 21: known_hosts as OpenSSH reads it. The system file /etc/ssh/ssh_known_hosts is read with
// the user's (hashed `|1|salt|hash` entries in either, as `ssh-keygen -H` writes them), and new entries are
// hashed when the user's ssh config says HashKnownHosts yes for the host (~/.ssh/config first, then /etc/ssh/ssh_config).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkHostKey, readKnownHostsFiles } from '../../runner/transport/known-hosts.js';
import { createHostKeyVerifier } from '../../runner/transport/host-key-check.js';
import { resolveSshConfig } from '../../runner/transport/ssh-config/resolve.js';
import { fsConfigIo } from '../../runner/transport/ssh-config/files.js';

let dir: string;
const keys: Record<string, { type: string; b64: string; blob: Buffer }> = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-khs-'));
  for (const name of ['a', 'b']) {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    const [type, b64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
    keys[name] = { type: type!, b64: b64!, blob: Buffer.from(b64!, 'base64') };
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A known_hosts file hashed by the real OpenSSH (ssh-keygen -H). */
function hashedFile(name: string, host: string, k: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${host} ${keys[k]!.type} ${keys[k]!.b64}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
  return file;
}

describe('the system known_hosts file', () => {
  test('a hashed entry in /etc/ssh/ssh_known_hosts (here: a stand-in) makes the host known', async () => {
    const system = hashedFile('ssh_known_hosts', '[10.1.2.3]:2222', 'a');
    const entries = await readKnownHostsFiles([join(dir, 'no-user-file'), system]);
    expect(checkHostKey(entries, '10.1.2.3', 2222, keys.a!.blob).status).toBe('known');
    expect(entries[0]!.file).toBe(system);
  });

  test('a changed key names the file that holds the old one', async () => {
    const user = join(dir, 'user_known_hosts');
    writeFileSync(user, '');
    const system = hashedFile('ssh_known_hosts2', '10.1.2.4', 'a');
    const v = createHostKeyVerifier({ name: 'lb1', address: '10.1.2.4', port: 22, knownHostsFile: user, policy: 'strict', entries: await readKnownHostsFiles([user, system]) });
    let ok: boolean | undefined;
    v.verify(keys.b!.blob, (x) => (ok = x));
    expect(ok).toBe(false);
    expect(v.refusal?.message).toContain(`remove the old line from ${system} (line 1)`);
  });
});

describe('HashKnownHosts in the ssh config (per host, through the one resolver)', () => {
  const hashFor = (files: string[], host = 'web1') =>
    resolveSshConfig(files.map((path) => ({ path, user: false })), host, fsConfigIo(dir)).hashKnownHosts;
  const inline = (text: string, host = 'web1') => {
    const f = join(dir, `inline-${Math.random().toString(36).slice(2)}`);
    writeFileSync(f, text);
    return hashFor([f], host);
  };
  test.each([
    ['HashKnownHosts yes', true],
    ['hashknownhosts=no', false],
    ['  HashKnownHosts   "yes"  # comment', true],
    ['# HashKnownHosts yes', undefined],
    ['Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n', true], // Debian's /etc/ssh/ssh_config
    ['Host web1\n  HashKnownHosts yes\n', true], // for this host
    ['Host web2\n  HashKnownHosts yes\n', undefined], // for another host only
    ['Match host x\n  HashKnownHosts yes\nHost *\n  HashKnownHosts no', false],
    ['HashKnownHosts no\nHashKnownHosts yes', false], // the first value wins, as in ssh
    ['', undefined],
  ])('%j -> %s', (text, want) => expect(inline(text)).toBe(want));

  test('~/.ssh/config is read before /etc/ssh/ssh_config; missing files are skipped', () => {
    const user = join(dir, 'config');
    const system = join(dir, 'ssh_config');
    writeFileSync(system, 'Host *\n    HashKnownHosts yes\n');
    expect(hashFor([join(dir, 'missing'), system])).toBe(true);
    writeFileSync(user, 'HashKnownHosts no\n');
    expect(hashFor([user, system])).toBe(false);
    expect(hashFor([join(dir, 'missing')])).toBeUndefined();
  });

  test('Include is followed (Debian includes /etc/ssh/ssh_config.d/*.conf first): an included value comes first', () => {
    const confd = join(dir, 'ssh_config.d');
    execFileSync('mkdir', ['-p', confd]);
    writeFileSync(join(confd, '10-local.conf'), 'HashKnownHosts no\n');
    writeFileSync(join(confd, 'ignored.txt'), 'HashKnownHosts yes\n');
    const system = join(dir, 'ssh_config_inc');
    writeFileSync(system, `Include ${confd}/*.conf\n\nHost *\n    HashKnownHosts yes\n`);
    expect(hashFor([system])).toBe(false);
    writeFileSync(join(confd, '10-local.conf'), '# nothing here\n');
    expect(hashFor([system])).toBe(true);
  });
});
