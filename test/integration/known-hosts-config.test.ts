// Lower (e) of issue 21, end to end against the real sshd: a host key recorded by haforge is hashed exactly when
// the ssh config says HashKnownHosts yes (and OpenSSH's ssh-keygen -F finds it), and a key that only the
// system file (/etc/ssh/ssh_known_hosts; here a stand-in) knows, hashed by ssh-keygen -H, is trusted.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { loadInventory } from '../../runner/inventory/index.js';
import { connector } from '../../runner/cli/connect.js';
import type { HostKeyPolicy } from '../../runner/transport/types.js';

let sshd: SshdFixture;
let dir: string;
beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'haforge-khc-'));
});
afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function connectOnce(name: string, o: { config: string; policy: HostKeyPolicy; system?: string }): Promise<string> {
  const kh = join(dir, `${name}-known_hosts`);
  const cfg = join(dir, `${name}-ssh_config`);
  writeFileSync(cfg, o.config);
  const inv = join(dir, `${name}.yaml`);
  writeFileSync(inv, `ssh:\n  user: root\n  key: ${sshd.clientKeyFile}\n  known_hosts: ${kh}\ngroups:\n  lb:\n    hosts:\n      lb1: { address: 127.0.0.1, port: ${sshd.port} }\n  web:\n    hosts:\n      web1: { address: 127.0.0.1, port: ${sshd.port} }\n`);
  const inventory = loadInventory(inv, { sshConfigFile: cfg });
  const connect = connector({
    inventory, secrets: { recipe: {}, byEnv: {} }, policy: o.policy, connectTimeoutS: 5,
    systemKnownHostsFiles: [join(dir, 'no-system-file'), ...(o.system ? [o.system] : [])],
  });
  const remote = await connect(inventory.hosts[0]!);
  expect((await remote.run('true')).code).toBe(0);
  await remote.close();
  return kh;
}

describe('known_hosts as OpenSSH keeps it', () => {
  it('HashKnownHosts yes (under Host *): the new line is hashed and ssh-keygen -F finds it', async () => {
    const kh = await connectOnce('hashed', { config: 'Host *\n    HashKnownHosts yes\n', policy: 'accept-new' });
    const text = readFileSync(kh, 'utf8');
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    expect(text).not.toContain('127.0.0.1');
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', kh]).toString()).toContain(sshd.hostPublicKey.split(' ')[1]);
  });

  it('HashKnownHosts no: the line is plain', async () => {
    const kh = await connectOnce('plain', { config: 'HashKnownHosts no\n', policy: 'accept-new' });
    expect(readFileSync(kh, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
  });

  it('a key only the system file knows (hashed by ssh-keygen -H) is trusted under strict', async () => {
    const system = join(dir, 'ssh_known_hosts');
    copyFileSync(sshd.knownHostsFile, system);
    execFileSync('ssh-keygen', ['-H', '-f', system], { stdio: 'ignore' });
    expect(readFileSync(system, 'utf8')).toMatch(/^\|1\|/);
    const kh = await connectOnce('system', { config: '', policy: 'strict', system });
    expect(() => readFileSync(kh)).toThrow(); // nothing was written to the user's file
  });
});
