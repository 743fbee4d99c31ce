// ssh_config as the inventory follows it: inventory over ssh_config over defaults, per host by its name; a
// refused construct exits 2 naming the ssh_config file and line; `-F none` reads nothing. The files are real
// (a temp home), the keys real files with 0600, so the key checks run as they do for users.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryError, parseInventory } from '../../runner/inventory/index.js';
import { showSsh } from '../../runner/cli/show-ssh.js';

let dir: string;
let home: string;
let cfg: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-invcfg-'));
  home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  for (const k of ['id_cfg', 'id_inv', 'id_ed25519']) {
    writeFileSync(join(home, '.ssh', k), 'not parsed here\n');
    chmodSync(join(home, '.ssh', k), 0o600);
  }
  cfg = join(dir, 'ssh_config');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INV = (extra = '') => `${extra}groups:
  lb:
    hosts:
      lb1: { address: 10.0.0.1 }
  web:
    hosts:
      web1: { address: 10.0.1.1, user: deploy }
      web2: { address: 10.0.1.2, key: ~/.ssh/id_inv }
`;

function load(config: string, inv = INV(), file: string | null = cfg) {
  writeFileSync(cfg, config);
  return parseInventory(inv, { home, env: {}, baseDir: dir, ...(file ? { sshConfigFile: file } : {}) });
}

describe('ssh_config in the inventory', () => {
  it('fills what the inventory leaves unset, per host by its name; the inventory wins', () => {
    const inv = load(`Host web*\n  User ops\n  Port 2222\n  IdentityFile ~/.ssh/missing\n  IdentityFile ~/.ssh/id_cfg\n  ProxyJump lb1\n  ServerAliveInterval 5\nHost *\n  ConnectTimeout 3\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile ~/.ssh/kh_%h\n`);
    const [lb1, web1, web2] = inv.hosts;
    expect([lb1!.user, lb1!.port, lb1!.jump]).toEqual(['root', 22, undefined]);
    expect(lb1!.ssh).toEqual({ connectTimeoutS: 3, acceptNewHostKeys: true, knownHostsFiles: [join(home, '.ssh/kh_lb1')] });
    expect(web1).toMatchObject({ user: 'deploy', port: 2222, auth: { kind: 'key', keyFile: join(home, '.ssh/id_cfg') } });
    expect(web1!.jump).toEqual([{ address: '10.0.0.1', port: 22, user: 'root', host: 'lb1' }]);
    expect(web1!.ssh?.serverAliveIntervalS).toBe(5);
    expect(web1!.origins).toMatchObject({ user: 'groups.web.hosts.web1.user', port: `${cfg}:3`, login: `${cfg}:4`, jump: `${cfg}:6` });
    expect(web2!.auth).toEqual({ kind: 'key', keyFile: join(home, '.ssh/id_inv') });
    expect(web2!.user).toBe('ops');
    expect(lb1!.origins).toMatchObject({ user: 'default', port: 'default', connectTimeout: `${cfg}:9` });
  });

  it("the inventory's known_hosts wins over UserKnownHostsFile; ssh.config none reads nothing", () => {
    const kh = `ssh:\n  known_hosts: ${join(dir, 'kh')}\n`;
    expect(load('UserKnownHostsFile /x\nHashKnownHosts yes\n', INV(kh)).hosts[0]!.ssh).toEqual({ hashKnownHosts: true });
    const none = load('User ops\n', INV('ssh:\n  config: none\n'), null);
    expect(none.hosts[0]!.user).toBe('root');
    expect(none.hosts[0]!.origins).toBeUndefined();
  });

  it('ssh.config names the file (relative to the inventory); -F wins over it', () => {
    writeFileSync(join(dir, 'mine'), 'Host lb1\n  Port 2200\n');
    expect(load('', INV('ssh:\n  config: mine\n'), null).hosts[0]!.port).toBe(2200);
    expect(load('Host lb1\n  Port 2300\n', INV('ssh:\n  config: mine\n')).hosts[0]!.port).toBe(2300);
  });

  it('a ProxyJump hop that is no inventory host but has a HostName in ssh_config goes where ssh_config says', () => {
    const inv = load('Host web1\n  ProxyJump bastion,ops@bastion\nHost bastion\n  HostName 192.0.2.9\n  Port 2022\n  User jumper\n');
    expect(inv.hosts[1]!.jump).toEqual([
      { address: '192.0.2.9', port: 2022, user: 'jumper' },
      { address: '192.0.2.9', port: 2022, user: 'ops' },
    ]);
    expect(() => load('Host web1\n  ProxyJump bastion\nHost bastion\n  HostName 192.0.2.9\n  ProxyJump 192.0.2.1\n')).toThrow(
      `jump host "bastion" has its own ProxyJump in ssh_config (${cfg}:5)`,
    );
  });

  it.each([
    ['Match exec "true"\n  User x\n', ':1: Match exec is not supported'],
    ['Host *\n  ProxyCommand nc %h %p\n', ':2: ProxyCommand is not supported'],
    ['Host web1\n  ProxyJump web1\n', 'jump loop: web1 via web1'],
    ['Host web1\n  ProxyJump bastion\n', 'unknown jump host "bastion"'],
    ['Port 99999\n', ':1: Port is 1..65535'],
  ])('%j exits 2 naming the place', (text, msg) => {
    let err: unknown;
    try {
      load(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryError).exitCode).toBe(2);
    expect((err as Error).message).toContain(msg);
    if (msg.startsWith(':')) expect((err as Error).message).toContain(`${cfg}${msg}`);
  });

  it('an unreadable -F file exits 2', () => {
    expect(() => parseInventory(INV(), { home, env: {}, sshConfigFile: join(dir, 'nowhere') })).toThrow(`${join(dir, 'nowhere')}:0: cannot be read`);
  });

  it('--show-ssh prints each setting with its origin and no secret', () => {
    const inv = load('Host web1\n  Port 2222\n', INV(`ssh:\n  password: hunter2secret\n`));
    const out = showSsh(inv.hosts);
    expect(out).toContain(`  port     2222  (${cfg}:2)`);
    expect(out).toContain('  user     deploy  (groups.web.hosts.web1.user)');
    expect(out).toContain('password from $HAFORGE_SSH_PASSWORD  (ssh.password)');
    expect(out).not.toContain('hunter2secret');
  });
});
