// Issue 18, item 1 wired: an inventory that gives only names and addresses, and an ssh_config that gives each
// host its port, key, known_hosts file and jump host (ProxyJump). Real OpenSSH servers on 127.0.0.1; the jump's
// sshd log (DEBUG1) shows the target was reached THROUGH it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { loadInventory } from '../../runner/inventory/index.js';
import { connector } from '../../runner/cli/connect.js';

let jump: SshdFixture;
let target: SshdFixture;
let dir: string;
beforeAll(async () => {
  [jump, target] = await Promise.all([startSshd({ logLevel: 'DEBUG1' }), startSshd()]);
  dir = mkdtempSync(join(tmpdir(), 'haforge-cfgconn-'));
});
afterAll(async () => {
  await Promise.all([jump?.stop(), target?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('connections follow ssh_config', () => {
  it('port, IdentityFile, UserKnownHostsFile and ProxyJump from ssh_config; the inventory only names hosts', async () => {
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, readFileSync(jump.knownHostsFile, 'utf8') + readFileSync(target.knownHostsFile, 'utf8'));
    const cfg = join(dir, 'ssh_config');
    writeFileSync(
      cfg,
      `Host lb1\n  Port ${jump.port}\n  IdentityFile ${jump.clientKeyFile}\nHost web1\n  Port ${target.port}\n  IdentityFile ${target.clientKeyFile}\n  ProxyJump lb1\nHost *\n  User root\n  UserKnownHostsFile ${kh}\n`,
    );
    const inv = join(dir, 'inv.yaml');
    writeFileSync(inv, `ssh:\n  config: ssh_config\ngroups:\n  lb:\n    hosts:\n      lb1: { address: 127.0.0.1 }\n  web:\n    hosts:\n      web1: { address: 127.0.0.1 }\n`);
    const inventory = loadInventory(inv, { env: {} });
    const web1 = inventory.hosts.find((h) => h.name === 'web1')!;
    expect(web1.origins).toMatchObject({ port: `${cfg}:5`, login: `${cfg}:6`, jump: `${cfg}:7`, user: `${cfg}:9` });
    const connect = connector({ inventory, secrets: { recipe: {}, byEnv: {} }, policy: 'strict', connectTimeoutS: 10, systemKnownHostsFiles: [] });
    const r = await connect(web1);
    expect((await r.run('echo "$SSH_CONNECTION"')).stdout).toMatch(new RegExp(` ${target.port}\\n$`));
    await r.close();
    expect(jump.log()).toMatch(new RegExp(`target 127\\.0\\.0\\.1 port ${target.port}`));
  });
});
