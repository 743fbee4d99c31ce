// loadInventory: every malformed inventory gets one exact, fixable message and exit code 2;
// valid ones merge settings and resolve paths as documented in inventory/example.yaml.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InventoryError, loadInventory, parseInventory, type LoadOptions } from '../../runner/inventory/index.js';

let dir: string; // inventories and their keys
let home: string; // a fake home with ~/.ssh/id_ed25519
let count = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-inv-'));
  home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  mkdirSync(join(dir, 'keys'));
  key(join(home, '.ssh/id_ed25519'), 0o600);
  key(join(dir, 'keys/deploy'), 0o600);
  key(join(dir, 'keys/open'), 0o644);
  key(join(dir, 'keys/deploy.pub'), 0o644);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function key(path: string, mode: number) {
  writeFileSync(path, 'not really a key\n');
  chmodSync(path, mode);
}

/** Strips the indentation of the first line from every line, so YAML can sit indented in the test. */
function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = /^ */.exec(lines[0])![0].length;
  return lines.map((l) => l.slice(indent)).join('\n');
}

function write(text: string): string {
  const file = join(dir, `inv-${++count}.yaml`);
  writeFileSync(file, text);
  return file;
}

const opts: LoadOptions = { env: {} };
// ssh_config is none here: these tests are about the inventory alone (inventory-ssh-config.test.ts has the rest).
const load = (file: string, more: LoadOptions = {}) => loadInventory(file, { home, sshConfigFile: 'none', ...opts, ...more });

function errorOf(fn: () => unknown): InventoryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InventoryError) return err;
    throw err;
  }
  throw new Error('expected an InventoryError');
}

const LB = `
  lb:
    hosts:
      lb1: { address: 192.0.2.10 }`;
const WEB = `
  web:
    hosts:
      web1: { address: 192.0.2.11 }`;
/** A valid inventory with extra YAML inserted under groups.web.hosts. */
const withWeb = (hosts: string) => `groups:${LB}${WEB}\n${hosts}`;

// FILE stands for the inventory's path, as given to loadInventory.
const malformed: { name: string; text: string; error: string }[] = [
  {
    name: 'an empty file',
    text: '',
    error: 'FILE: the file is empty; an inventory needs groups.lb and groups.web (see inventory/example.yaml)',
  },
  {
    name: 'a file with comments only',
    text: '# todo\n',
    error: 'FILE: the file is empty; an inventory needs groups.lb and groups.web (see inventory/example.yaml)',
  },
  {
    name: 'a list at the top level',
    text: '- lb1\n- web1\n',
    error: 'FILE: expected a mapping at the top level (groups:, and optionally vars: and ssh:), found a list',
  },
  {
    name: 'a scalar at the top level',
    text: 'hello\n',
    error: 'FILE: expected a mapping at the top level (groups:, and optionally vars: and ssh:), found "hello"',
  },
  {
    name: 'an unclosed flow mapping',
    text: yaml(`
      groups:
        lb:
          hosts:
            lb1: { address: 192.0.2.10
        web: {}
    `),
    error: 'FILE:5:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
  },
  {
    name: 'a bad indentation',
    text: 'groups:\n  lb:\n    hosts: {}\n   web: {}\n',
    error: 'FILE:4:1: YAML syntax error: All mapping items must start at the same column',
  },
  {
    name: 'tabs as indentation',
    text: 'groups:\n\tlb: {}\n',
    error: 'FILE:2:1: YAML syntax error: Tabs are not allowed as indentation',
  },
  {
    name: 'the same host twice in a group',
    text: withWeb('      web1: { address: 192.0.2.12 }\n'),
    error: 'FILE:8:7: YAML syntax error: duplicate key (a key, or a host name within a group, may appear only once)',
  },
  {
    name: 'two YAML documents',
    text: 'groups: {}\n---\ngroups: {}\n',
    error: 'FILE:2:1: YAML syntax error: several YAML documents (---) in one file; keep one',
  },
  {
    name: 'an alias without its anchor',
    text: 'vars: *common\ngroups: {}\n',
    error: 'FILE: YAML error: Unresolved alias (the anchor must be set before the alias): common',
  },
  {
    name: 'a misspelt host key',
    text: withWeb('      web2: { adress: 192.0.2.12 }\n'),
    error: 'FILE: groups.web.hosts.web2.adress: unknown key; did you mean `address`?',
  },
  {
    name: 'a misspelt top-level key',
    text: `grups:${LB}\n`,
    error: 'FILE: grups: unknown key; did you mean `groups`?',
  },
  {
    name: 'swapped letters',
    text: withWeb('      web2: { address: 192.0.2.12, prot: 22 }\n'),
    error: 'FILE: groups.web.hosts.web2.prot: unknown key; did you mean `port`?',
  },
  {
    name: 'an Ansible host variable',
    text: withWeb('      web2: { ansible_host: 192.0.2.12 }\n'),
    error: 'FILE: groups.web.hosts.web2.ansible_host: unknown key; did you mean `address`?',
  },
  {
    name: 'an unknown key with no close match',
    text: withWeb('      web2: { address: 192.0.2.12, color: blue }\n'),
    error:
      'FILE: groups.web.hosts.web2.color: unknown key; expected one of: address, user, port, key, agent, password_env, password, sudo, sudo_password_env, jump, vars',
  },
  {
    name: 'an SSH setting directly on a group',
    text: `groups:${LB}${WEB}\n    user: admin\n`,
    error: 'FILE: groups.web.user: unknown key; SSH settings go under ssh: (ssh: { user: ... })',
  },
  {
    name: 'an ssh block on a host',
    text: withWeb('      web2: { address: 192.0.2.12, ssh: { user: admin } }\n'),
    error: 'FILE: groups.web.hosts.web2.ssh: unknown key; put SSH settings directly on the host (user: ..., port: ...), without ssh:',
  },
  {
    name: 'known_hosts in a group',
    text: `groups:${LB}${WEB}\n    ssh: { known_hosts: ./kh }\n`,
    error: 'FILE: groups.web.ssh.known_hosts: unknown key; known_hosts can only be set in the top-level ssh block',
  },
  {
    name: 'a clear-text sudo password',
    text: `ssh: { sudo_password: hunter2 }\ngroups:${LB}${WEB}\n`,
    error:
      'FILE: ssh.sudo_password: unknown key; a clear-text sudo password is not accepted; set sudo_password_env: HAFORGE_SUDO_PASSWORD and export the password in that variable',
  },
  {
    name: 'nested groups',
    text: `groups:${LB}${WEB}\n  eu:\n    children: [web]\n`,
    error: 'FILE: groups.eu.children: unknown key; nested groups are not supported; list the hosts in each group',
  },
  {
    name: 'an Ansible YAML inventory',
    text: 'all:\n  children:\n    web: {}\n',
    error: 'FILE: all: unknown key; this looks like an Ansible inventory; haforge starts with groups: (see inventory/example.yaml)',
  },
  {
    name: 'a port in words',
    text: withWeb('      web2: { address: 192.0.2.12, port: eighty }\n'),
    error: 'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found "eighty"',
  },
  {
    name: 'a port out of range',
    text: `ssh: { port: 70000 }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.port: expected an integer 1-65535, found 70000',
  },
  {
    name: 'port 0',
    text: withWeb('      web2: { address: 192.0.2.12, port: 0 }\n'),
    error: 'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found 0',
  },
  {
    name: 'a fractional port',
    text: withWeb('      web2: { address: 192.0.2.12, port: 22.5 }\n'),
    error: 'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found 22.5',
  },
  {
    name: 'a quoted port',
    text: withWeb('      web2: { address: 192.0.2.12, port: "22" }\n'),
    error: 'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found "22" (write the number without quotes)',
  },
  {
    name: 'an empty port',
    text: withWeb('      web2: { address: 192.0.2.12, port: }\n'),
    error: 'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found nothing',
  },
  {
    name: 'sudo: yes',
    text: `groups:${LB}${WEB}\n    ssh: { user: admin, sudo: yes }\n`,
    error: 'FILE: groups.web.ssh.sudo: expected true or false, found "yes" (write true or false)',
  },
  {
    name: 'vars as a list',
    text: `vars: [a, b]\ngroups:${LB}${WEB}\n`,
    error: 'FILE: vars: expected a mapping of variables, found a list',
  },
  {
    name: 'a malformed environment variable name',
    text: `ssh: { password_env: MY-PASSWORD }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.password_env: expected an environment variable name (letters, digits, _), found "MY-PASSWORD"',
  },
  {
    name: 'a user name with a space',
    text: `ssh: { user: "deploy user" }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.user: expected a user name, found "deploy user"',
  },
  {
    name: 'a host given as a bare address',
    text: withWeb('      web2: 192.0.2.12\n'),
    error: 'FILE: groups.web.hosts.web2: expected a mapping of host settings, found "192.0.2.12" (write { address: 192.0.2.12 })',
  },
  {
    name: 'hosts as a list',
    text: `groups:${LB}\n  web:\n    hosts: [web1, web2]\n`,
    error: 'FILE: groups.web.hosts: expected a mapping of host name to host settings, found a list',
  },
  {
    name: 'an IPv4 address out of range',
    text: withWeb('      web2: { address: 300.1.2.3 }\n'),
    error: 'FILE: groups.web.hosts.web2.address: expected an IPv4 or IPv6 address or a DNS name, found "300.1.2.3"',
  },
  {
    name: 'an address with a space',
    text: withWeb('      web2: { address: a b }\n'),
    error: 'FILE: groups.web.hosts.web2.address: expected an IPv4 or IPv6 address or a DNS name, found "a b"',
  },
  {
    name: 'an empty address',
    text: withWeb('      web2: { address: "" }\n'),
    error: 'FILE: groups.web.hosts.web2.address: expected an IPv4 or IPv6 address or a DNS name, found ""',
  },
  {
    name: 'a numeric address',
    text: withWeb('      web2: { address: 10 }\n'),
    error: 'FILE: groups.web.hosts.web2.address: expected an IPv4 or IPv6 address or a DNS name, found 10',
  },
  {
    name: 'a missing address',
    text: withWeb('      web2: { port: 2222 }\n'),
    error: 'FILE: groups.web.hosts.web2: missing address; add address: <IP address or DNS name>',
  },
  {
    name: 'a host listed by name only and defined nowhere',
    text: withWeb('      web2:\n'),
    error: 'FILE: groups.web.hosts.web2: missing address; add address: <IP address or DNS name>',
  },
  {
    name: 'no groups',
    text: 'vars: { persistence: cookie-insert }\n',
    error: 'FILE: groups: missing; add groups.lb (the load balancer host) and groups.web (the web nodes)',
  },
  {
    name: 'no lb group',
    text: `groups:${WEB}\n`,
    error: 'FILE: groups: no lb group; add groups.lb with the load balancer host',
  },
  {
    name: 'an lb group without hosts',
    text: `groups:\n  lb:${WEB}\n`,
    error: 'FILE: groups.lb.hosts: no host; add the load balancer host',
  },
  ...[0, -1, '"150%"', '"0%"', 'abc', '1.5', '"2"'].map((v) => ({
    name: `serial ${v}`,
    text: `groups:${LB}\n    serial: ${v}${WEB}\n`,
    error: `FILE: groups.lb.serial: expected a number of hosts (1 or more) or a percentage ("1%" to "100%"), found ${
      v === 'abc' ? '"abc"' : v
    }${v === '"2"' ? ' (write the number without quotes)' : ''}`,
  })),
  ...[-1, 101, '"50"', '10%'].map((v) => ({
    name: `max_fail_percentage ${v}`,
    text: `groups:${LB}${WEB}\n    max_fail_percentage: ${v}\n`,
    error: `FILE: groups.web.max_fail_percentage: expected an integer 0-100 (a percentage), found ${v === '10%' ? '"10%"' : v}${v === '"50"' ? ' (write the number without quotes)' : ''}`,
  })),
  {
    name: 'no web group',
    text: `groups:${LB}\n`,
    error: 'FILE: groups: no web group; add groups.web with at least one web node',
  },
  {
    name: 'an empty web group',
    text: `groups:${LB}\n  web:\n    hosts: {}\n`,
    error: 'FILE: groups.web.hosts: no host; add at least one web node',
  },
  {
    name: 'a host in both lb and web',
    text: withWeb('      lb1:\n'),
    error:
      'FILE: groups.web.hosts.lb1: a host cannot be both the load balancer and a web node; remove "lb1" from groups.lb or groups.web',
  },
  {
    name: 'a host defined twice',
    text: `groups:${LB}${WEB}\n  canary:\n    hosts:\n      web1: { address: 192.0.2.99 }\n`,
    error:
      'FILE: groups.canary.hosts.web1: host "web1" is already defined in groups.web.hosts.web1; list it here by name only (web1: with no value) or rename one',
  },
  {
    name: 'a host in neither lb nor web',
    text: `groups:${LB}${WEB}\n  spare:\n    hosts:\n      db1: { address: 192.0.2.50 }\n`,
    error: 'FILE: groups.spare.hosts.db1: host "db1" is in neither lb nor web; add it to one of them',
  },
  {
    name: 'a group named all',
    text: `groups:${LB}${WEB}\n  all: {}\n`,
    error: 'FILE: groups.all: "all" is reserved (it means every host in --limit); rename the group',
  },
  {
    name: 'a host name with a glob character',
    text: withWeb('      "web*": { address: 192.0.2.12 }\n'),
    error:
      'FILE: groups.web.hosts["web*"]: invalid host name; use letters, digits, ".", "_" and "-", starting with a letter or digit',
  },
  {
    name: 'a host named like a group',
    text: withWeb('      lb: { address: 192.0.2.12 }\n'),
    error: 'FILE: groups.web.hosts.lb: host "lb" has the same name as a group; rename one so --limit stays unambiguous',
  },
  {
    name: 'a key file that does not exist',
    text: `ssh: { key: keys/missing }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.key: key file not found: DIR/keys/missing',
  },
  {
    name: 'a key file readable by others',
    text: withWeb('      web2: { address: 192.0.2.12, key: ./keys/open }\n'),
    error:
      'FILE: groups.web.hosts.web2.key: key file DIR/keys/open has permissions 0644, too open (OpenSSH refuses such keys); run: chmod 600 DIR/keys/open',
  },
  {
    name: 'a public key given as the key',
    text: `groups:${LB}${WEB}\n    ssh: { key: keys/deploy.pub }\n`,
    error: 'FILE: groups.web.ssh.key: DIR/keys/deploy.pub is a public key; give the private key (DIR/keys/deploy)',
  },
  {
    name: 'a folder given as the key',
    text: `ssh: { key: keys }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.key: DIR/keys is not a file; expected a private key file',
  },
  {
    name: 'two login methods on one level',
    text: `ssh: { key: keys/deploy, agent: true }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh: choose one login method: key, agent, password_env or password (found key and agent)',
  },
  {
    name: 'a non-root user without sudo',
    text: `groups:${LB}${WEB}\n    ssh: { user: admin, sudo: false }\n`,
    error: 'FILE: groups.web.ssh.sudo: user "admin" is not root and sudo is off; haforge needs root: set sudo: true or user: root',
  },
  {
    name: 'known_hosts in a folder that does not exist',
    text: `ssh: { known_hosts: nowhere/known_hosts }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.known_hosts: folder DIR/nowhere does not exist; create it or fix the path',
  },
  {
    name: 'known_hosts that is a folder',
    text: `ssh: { known_hosts: keys }\ngroups:${LB}${WEB}\n`,
    error: 'FILE: ssh.known_hosts: DIR/keys is not a file',
  },
  {
    name: 'several problems at once, in one message',
    text: `groups:${LB}${WEB}\n      web2: { address: 300.1.2.3, port: 0 }\n`,
    error: [
      'FILE: groups.web.hosts.web2.address: expected an IPv4 or IPv6 address or a DNS name, found "300.1.2.3"',
      'FILE: groups.web.hosts.web2.port: expected an integer 1-65535, found 0',
    ].join('\n'),
  },
  {
    name: 'more than five problems',
    text: withWeb(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((h) => `      ${h}: { port: 0 }\n`).join('')),
    error: [
      ...['a', 'b', 'c', 'd', 'e'].map((h) => `FILE: groups.web.hosts.${h}.port: expected an integer 1-65535, found 0`),
      '... and 2 more problems',
    ].join('\n'),
  },
];

describe('loadInventory rejects malformed inventories with one exact message', () => {
  it('has at least 20 cases', () => expect(malformed.length).toBeGreaterThanOrEqual(20));

  it.each(malformed)('$name', ({ text, error }) => {
    const file = write(text);
    const err = errorOf(() => load(file));
    expect(err.message).toBe(error.replaceAll('FILE', file).replaceAll('DIR', dir));
    expect(err.exitCode).toBe(2);
    expect(err.file).toBe(file);
  });

  it('a file that does not exist', () => {
    const err = errorOf(() => load(join(dir, 'prod.yaml')));
    expect(err.message).toBe(`${join(dir, 'prod.yaml')}: file not found`);
    expect(err.exitCode).toBe(2);
  });

  it('a folder instead of a file', () => {
    const err = errorOf(() => load(dir));
    expect(err.message).toBe(`${dir}: is a directory; expected an inventory YAML file`);
    expect(err.exitCode).toBe(2);
  });

  it('no login method anywhere, no agent and no default key', () => {
    const file = write(`groups:${LB}${WEB}\n`);
    const err = errorOf(() => load(file, { home: join(dir, 'keys') }));
    expect(err.message).toBe(
      `${file}: ssh: no login method given and no default applies (SSH_AUTH_SOCK is unset; no ~/.ssh/id_ed25519 or ~/.ssh/id_rsa); set ssh.key, ssh.agent: true or ssh.password_env`,
    );
    expect(err.exitCode).toBe(2);
  });

  it('carries the path and every problem', () => {
    const file = write(withWeb('      web2: { address: 192.0.2.12, port: eighty }\n'));
    const err = errorOf(() => load(file));
    expect(err.path).toBe('groups.web.hosts.web2.port');
    expect(err.problems).toEqual([{ path: 'groups.web.hosts.web2.port', message: 'expected an integer 1-65535, found "eighty"' }]);
    expect(err.name).toBe('InventoryError');
  });

  it('quotes host names that are not plain words in paths', () => {
    const file = write(withWeb('      web2.example.com: { address: web2.example.com, port: -1 }\n'));
    expect(errorOf(() => load(file)).message).toBe(
      `${file}: groups.web.hosts["web2.example.com"].port: expected an integer 1-65535, found -1`,
    );
  });
});

describe('loadInventory reads valid inventories', () => {
  it('the example: merge precedence, group ssh, reference by name, known_hosts beside the file', () => {
    const inv = load('inventory/example.yaml');
    expect(inv.file).toBe(join(process.cwd(), 'inventory/example.yaml'));
    expect(inv.warnings).toEqual([]);
    expect(inv.vars).toEqual({ persistence: 'cookie-insert' });
    expect(inv.groups).toEqual({ lb: ['lb1'], web: ['web1', 'web2'], canary: ['web2'] });
    expect(inv.knownHostsFile).toBe(join(process.cwd(), 'inventory/known_hosts'));
    const keyFile = join(home, '.ssh/id_ed25519');
    expect(inv.hosts).toEqual([
      {
        name: 'lb1',
        address: '192.0.2.10',
        port: 22,
        user: 'root',
        auth: { kind: 'key', keyFile },
        sudo: false,
        groups: ['lb'],
        vars: { persistence: 'cookie-insert', keep_alive: true },
      },
      {
        name: 'web1',
        address: '192.0.2.11',
        port: 2222,
        user: 'admin',
        auth: { kind: 'key', keyFile },
        sudo: true,
        sudoPasswordEnv: 'HAFORGE_SUDO_PASSWORD',
        groups: ['web'],
        vars: { persistence: 'cookie-insert', web_port: 8080 },
      },
      {
        name: 'web2',
        address: '192.0.2.12',
        port: 22,
        user: 'admin',
        auth: { kind: 'key', keyFile },
        sudo: true,
        sudoPasswordEnv: 'HAFORGE_SUDO_PASSWORD',
        groups: ['web', 'canary'],
        // canary comes after web in the file: its web_port wins.
        vars: { persistence: 'cookie-insert', web_port: 8081 },
      },
    ]);
  });

  it('the minimal example: defaults (root, port 22, default key, ~/.ssh/known_hosts)', () => {
    const inv = load('inventory/minimal.yaml');
    expect(inv.knownHostsFile).toBe(join(home, '.ssh/known_hosts'));
    expect(inv.hosts.map((h) => [h.name, h.address, h.port, h.user, h.sudo, h.auth])).toEqual([
      ['lb1', '192.0.2.10', 22, 'root', false, { kind: 'key', keyFile: join(home, '.ssh/id_ed25519') }],
      ['web1', '192.0.2.11', 22, 'root', false, { kind: 'key', keyFile: join(home, '.ssh/id_ed25519') }],
    ]);
  });

  it('login default: the agent when SSH_AUTH_SOCK is set', () => {
    const inv = load('inventory/minimal.yaml', { env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } });
    expect(inv.hosts.map((h) => h.auth)).toEqual([{ kind: 'agent' }, { kind: 'agent' }]);
  });

  it('login default: ~/.ssh/id_rsa when there is no id_ed25519', () => {
    const rsaHome = join(dir, 'rsa-home');
    mkdirSync(join(rsaHome, '.ssh'), { recursive: true });
    key(join(rsaHome, '.ssh/id_rsa'), 0o600);
    const inv = load('inventory/minimal.yaml', { home: rsaHome });
    expect(inv.hosts[0].auth).toEqual({ kind: 'key', keyFile: join(rsaHome, '.ssh/id_rsa') });
  });

  it('host over later group over earlier group over global, for ssh settings and vars', () => {
    const file = write(
      yaml(`
        vars: { a: global, b: global, c: global, d: global }
        ssh: { user: deploy, port: 2200, sudo_password_env: GLOBAL_SUDO }
        groups:
          lb:
            hosts:
              lb1: { address: lb1.example.com }
          web:
            ssh: { port: 2201, user: webadmin }
            vars: { b: web, c: web, d: web }
            hosts:
              web1: { address: "2001:db8::11", port: 2202, vars: { d: host } }
          eu:
            ssh: { user: euadmin }
            vars: { c: eu }
            hosts:
              web1:
      `),
    );
    const [lb1, web1] = load(file).hosts;
    expect(lb1).toMatchObject({ address: 'lb1.example.com', user: 'deploy', port: 2200, sudo: true, sudoPasswordEnv: 'GLOBAL_SUDO' });
    expect(web1).toMatchObject({ address: '2001:db8::11', user: 'euadmin', port: 2202, groups: ['web', 'eu'] });
    expect(web1.vars).toEqual({ a: 'global', b: 'web', c: 'eu', d: 'host' });
  });

  it('a host may be listed by name first and defined in a later group', () => {
    const file = write(`groups:\n  canary:\n    hosts:\n      web1:${LB}${WEB}\n`);
    const inv = load(file);
    expect(inv.hosts.map((h) => [h.name, h.groups])).toEqual([
      ['web1', ['canary', 'web']],
      ['lb1', ['lb']],
    ]);
  });

  it('the most specific login method wins as a whole', () => {
    const file = write(`ssh: { key: keys/deploy }\ngroups:${LB}${WEB}\n      web2: { address: 192.0.2.12, password_env: WEB2_PASSWORD }\n`);
    const inv = load(file);
    expect(inv.hosts.map((h) => h.auth)).toEqual([
      { kind: 'key', keyFile: join(dir, 'keys/deploy') },
      { kind: 'key', keyFile: join(dir, 'keys/deploy') },
      { kind: 'password', passwordEnv: 'WEB2_PASSWORD' },
    ]);
  });

  it('key paths: relative to the inventory file (not the working directory), ~ expanded, absolute kept', () => {
    const file = write(
      withWeb(
        [
          '      web2: { address: 192.0.2.12, key: ~/.ssh/id_ed25519 }',
          `      web3: { address: 192.0.2.13, key: ${join(dir, 'keys/deploy')} }`,
          '      web4: { address: 192.0.2.14, key: ./keys/deploy }',
          '',
        ].join('\n'),
      ),
    );
    const hosts = load(file).hosts;
    expect(hosts.slice(2).map((h) => h.auth)).toEqual([
      { kind: 'key', keyFile: join(home, '.ssh/id_ed25519') },
      { kind: 'key', keyFile: join(dir, 'keys/deploy') },
      { kind: 'key', keyFile: join(dir, 'keys/deploy') },
    ]);
  });

  it('a clear-text password works, with a warning naming safer ways', () => {
    const file = write(withWeb('      web2: { address: 192.0.2.12, password: hunter2 }\n'));
    const inv = load(file);
    expect(inv.hosts[2].auth).toEqual({ kind: 'password', passwordEnv: 'HAFORGE_SSH_PASSWORD', password: 'hunter2' });
    expect(inv.warnings).toEqual([
      `${file}: groups.web.hosts.web2.password: clear-text password in the inventory; safer: password_env: HAFORGE_SSH_PASSWORD (export the password in that variable) or an SSH key (key: ~/.ssh/id_ed25519)`,
    ]);
  });

  it('a global clear-text password warns once, not once per host', () => {
    const file = write(`ssh: { password: hunter2 }\ngroups:${LB}${WEB}\n`);
    expect(load(file).warnings).toHaveLength(1);
  });

  it('agent: true without SSH_AUTH_SOCK warns', () => {
    const file = write(`ssh: { agent: true }\ngroups:${LB}${WEB}\n`);
    const inv = load(file);
    expect(inv.hosts[0].auth).toEqual({ kind: 'agent' });
    expect(inv.warnings).toEqual([
      `${file}: ssh.agent: SSH_AUTH_SOCK is not set, so no SSH agent is reachable; start one: eval "$(ssh-agent)" && ssh-add`,
    ]);
  });

  it('root never uses sudo; other users default to sudo with HAFORGE_SUDO_PASSWORD', () => {
    const file = write(`ssh: { sudo: true }\ngroups:${LB}${WEB}\n    ssh: { user: admin }\n`);
    const [lb1, web1] = load(file).hosts;
    expect([lb1.sudo, lb1.sudoPasswordEnv]).toEqual([false, undefined]);
    expect([web1.sudo, web1.sudoPasswordEnv]).toEqual([true, 'HAFORGE_SUDO_PASSWORD']);
  });

  it('empty sections (vars:, ssh:, a group with no value) are allowed', () => {
    const file = write(`vars:\nssh:\ngroups:${LB}${WEB}\n  spare:\n`);
    const inv = load(file);
    expect(inv.vars).toEqual({});
    expect(inv.groups.spare).toEqual([]);
  });

  it('accepts IPv6, DNS names with a trailing dot and single-label names', () => {
    const file = write(
      withWeb(['      web2: { address: "::1" }', '      web3: { address: www.example.com. }', '      web4: { address: web4 }', ''].join('\n')),
    );
    expect(load(file).hosts.map((h) => h.address)).toEqual(['192.0.2.10', '192.0.2.11', '::1', 'www.example.com.', 'web4']);
  });

  it('checkFiles: false skips key and known_hosts checks (for inventories written before their keys)', () => {
    const file = write(`ssh: { key: keys/missing, known_hosts: nowhere/kh }\ngroups:${LB}${WEB}\n`);
    const inv = load(file, { checkFiles: false });
    expect(inv.hosts[0].auth).toEqual({ kind: 'key', keyFile: join(dir, 'keys/missing') });
    expect(inv.knownHostsFile).toBe(join(dir, 'nowhere/kh'));
  });

  it('several load balancers are allowed, with a warning that nothing shares an address between them', () => {
    const file = write(`groups:${LB}\n      lb2: { address: 192.0.2.9 }${WEB}\n`);
    const inv = load(file);
    expect(inv.groups.lb).toEqual(['lb1', 'lb2']);
    expect(inv.warnings).toEqual([
      `${file}: groups.lb.hosts: 2 load balancers (lb1, lb2) and no shared address: each serves the site on its own address, so clients must be pointed at one of them`,
    ]);
  });

  it('two hosts at one address and port are warned about (one machine configured twice)', () => {
    const file = write(withWeb('      web2: { address: 192.0.2.11 }\n      web3: { address: 192.0.2.11, port: 2222 }\n'));
    expect(load(file).warnings).toEqual([
      `${file}: groups.web.hosts.web2: same address and port as host "web1" (192.0.2.11, port 22): if they are one machine, it is configured twice at once; keep one name`,
    ]);
  });

  it('serial and max_fail_percentage per group become the rollout', () => {
    const file = write(`groups:${LB}\n    serial: 1\n    max_fail_percentage: 0${WEB}\n    serial: "50%"\n`);
    expect(load(file).rollout).toEqual({ lb: { serial: 1, maxFailPercentage: 0 }, web: { serial: '50%' } });
  });

  it('parseInventory validates generated text and names it <generated>', () => {
    const inv = parseInventory(`groups:${LB}${WEB}\n`, { home, env: {}, baseDir: dir });
    expect(inv.file).toBe('<generated>');
    const err = errorOf(() => parseInventory(`groups:${LB}\n`, { home, env: {} }));
    expect(err.message).toBe('<generated>: groups: no web group; add groups.web with at least one web node');
  });
});
