// Issue 18, item 1: haforge reads ssh_config as OpenSSH does. Each case is a config (with Includes) and a host:
// the settings haforge resolves, with ssh's own defaults filled in, must equal what `ssh -G -F FILE HOST` prints.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveSshConfig, type SshConfigSettings } from '../../runner/transport/ssh-config/resolve.js';
import { fsConfigIo, sshHome } from '../../runner/transport/ssh-config/files.js';
import { expandPath } from '../../runner/transport/ssh-config/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'haforge-sshg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const home = sshHome();
const me = userInfo().username;

const KEYS = ['hostname', 'user', 'port', 'identityfile', 'identitiesonly', 'proxyjump', 'stricthostkeychecking', 'userknownhostsfile', 'connecttimeout', 'serveraliveinterval', 'hashknownhosts'] as const;
type View = Record<(typeof KEYS)[number], string>;

const DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((k) => `~/.ssh/${k}`);
const SHOWN_STRICT = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' } as const;

/** Paths compared expanded on both sides: ssh -G prints some as written and some expanded, by version. */
function paths(list: readonly string[], v: { h: string; r: string; p: string; n: string }): string {
  return list.map((p) => { const e = expandPath(p, { ...v, u: me, d: home }); return 'value' in e ? e.value : p; }).join(' ');
}

function fromSsh(file: string, host: string): View {
  const out = execFileSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const v: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) (v[line.slice(0, i)] ??= []).push(line.slice(i + 1));
  }
  const one = (k: string) => v[k]?.[0] ?? '';
  const t = { h: one('hostname'), r: one('user'), p: one('port'), n: host };
  return {
    hostname: one('hostname'), user: one('user'), port: one('port'),
    identityfile: paths(v.identityfile ?? [], t), identitiesonly: one('identitiesonly'), proxyjump: one('proxyjump'),
    stricthostkeychecking: one('stricthostkeychecking'), userknownhostsfile: paths(one('userknownhostsfile').split(' '), t),
    connecttimeout: one('connecttimeout'), serveraliveinterval: one('serveraliveinterval'), hashknownhosts: one('hashknownhosts'),
  };
}

/** haforge's settings with ssh's defaults where the config is silent. */
function fromHaforge(s: SshConfigSettings, host: string): View {
  const user = s.user ?? me;
  const port = String(s.port ?? 22);
  const t = { h: s.hostname, r: user, p: port, n: host };
  return {
    hostname: s.hostname, user, port,
    identityfile: paths(s.identityFiles.length ? s.identityFiles : DEFAULT_IDS, t), identitiesonly: s.identitiesOnly ? 'yes' : 'no',
    proxyjump: s.proxyJump ?? '', stricthostkeychecking: SHOWN_STRICT[s.strictHostKeyChecking ?? 'ask'],
    userknownhostsfile: paths(s.userKnownHostsFiles ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'], t),
    connecttimeout: s.connectTimeout === undefined ? 'none' : String(s.connectTimeout),
    serveraliveinterval: String(s.serverAliveInterval ?? 0), hashknownhosts: s.hashKnownHosts ? 'yes' : 'no',
  };
}

let n = 0;
/** Writes the case's files (`{{name}}` in a config stands for another file of the case) and returns the main one. */
function write(files: Record<string, string>): string {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(d, name)), { recursive: true });
    writeFileSync(join(d, name), text.replace(/\{\{([\w.*?/-]+)\}\}/g, (_, f: string) => join(d, f)));
  }
  return join(d, 'config');
}

const BASE = `Host web*
  HostName %h.internal
  User deploy
  IdentityFile ~/.ssh/id_%h_%r
  IdentityFile /k/%u-%d-%p-%n
Host db1 db2
  Port 2201
Host *.example.org !secret.example.org
  User ops
  IdentitiesOnly yes
Match host *.internal
  Port 2222
Host bastion
  HostName 198.51.100.7
  User jump
Host *
  ProxyJump bastion
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/kh %d/kh2
  ConnectTimeout 7
`;

const CASES: { name: string; files: Record<string, string>; hosts: string[] }[] = [
  { name: 'a typical file', files: { config: BASE }, hosts: ['web1', 'db1', 'db2', 'db3', 'a.example.org', 'secret.example.org', 'bastion', 'WEB2', 'x'] },
  { name: 'first value wins', files: { config: 'Host a\n Port 7\n User u1\nHost *\n Port 8\n User u2\n' }, hosts: ['a', 'b'] },
  { name: 'identity files accumulate, without repeats', files: { config: 'Host a\n IdentityFile /x\n IdentityFile /x\nHost *\n IdentityFile /y\n' }, hosts: ['a', 'b'] },
  { name: 'key=value and quotes', files: { config: 'Host=a\n  Port=2022\n User = "u s"\n IdentityFile "/path with space/k"\n' }, hosts: ['a'] },
  { name: 'negation', files: { config: 'Host * !b\n User notb\nMatch !host c*\n Port 3\n' }, hosts: ['a', 'b', 'c1'] },
  { name: 'Match host after HostName, originalhost before', files: { config: 'Host q\n HostName r1\nMatch originalhost q* host r*\n User both\nMatch host q\n Port 99\n' }, hosts: ['q', 'r1'] },
  { name: 'Match all', files: { config: 'Host a\n User ua\nMatch all\n User everyone\n Port 12\n' }, hosts: ['a', 'b'] },
  { name: 'Match host comma list', files: { config: 'Match host a,b,!bb\n Port 5\nHost a,b\n Port 6\n' }, hosts: ['a', 'b', 'bb'] },
  { name: 'Include in place, and in an inactive block', files: { config: 'Host x\n Include {{inc1}}\nHost y\n Port 4\nInclude {{inc2}}\n', inc1: 'Port 11\nHost z\n User zz\n', inc2: 'Host *\n User last\n' }, hosts: ['x', 'y', 'z'] },
  { name: 'Include with a glob, in name order', files: { config: 'Include {{conf.d/*.conf}}\nHost *\n Port 30\n', 'conf.d/b.conf': 'Host a\n Port 32\n', 'conf.d/a.conf': 'Host a\n Port 31\n User fromA\n', 'conf.d/c.txt': 'Port 1\n' }, hosts: ['a', 'b'] },
  { name: 'nested Includes', files: { config: 'Include {{i1}}\n', i1: 'Host deep\n Include {{i2}}\n', i2: 'User bottom\n HostName deep.lan\n' }, hosts: ['deep', 'shallow'] },
  { name: 'ProxyJump chains and none', files: { config: 'Host a\n ProxyJump none\nHost b\n ProxyJump j1,u@j2:2200\nHost *\n ProxyJump default\n' }, hosts: ['a', 'b', 'c'] },
  { name: 'StrictHostKeyChecking words', files: { config: 'Host a\n StrictHostKeyChecking yes\nHost b\n StrictHostKeyChecking off\nHost c\n StrictHostKeyChecking no\nHost d\n StrictHostKeyChecking ask\n' }, hosts: ['a', 'b', 'c', 'd', 'e'] },
  { name: 'timeouts and keepalive', files: { config: 'Host a\n ConnectTimeout 0\nHost *\n ConnectTimeout 15\n ServerAliveInterval 20\n' }, hosts: ['a', 'b'] },
  { name: 'HashKnownHosts under Host *', files: { config: 'Host plain\n HashKnownHosts no\nHost *\n HashKnownHosts yes\n' }, hosts: ['plain', 'other'] },
  { name: 'case-insensitive keywords and hosts', files: { config: 'HOST Alpha\n hOsTnAmE alpha.lan\n PORT 2300\n' }, hosts: ['alpha', 'ALPHA', 'Alpha'] },
  { name: 'settings before any Host apply to all', files: { config: 'User top\nPort 2400\nHost a\n User ua\n' }, hosts: ['a', 'b'] },
  { name: 'question mark patterns', files: { config: 'Host web?\n Port 2501\nHost web??\n Port 2502\n' }, hosts: ['web1', 'web12', 'web123'] },
  { name: 'HostName with %% and an IP', files: { config: 'Host pct\n HostName 100%%.lan\nHost ip\n HostName 192.0.2.9\n' }, hosts: ['pct', 'ip'] },
  { name: 'comments and blank lines', files: { config: '# top\n\nHost a # trailing\n  # inside\n  Port 2600\n\n' }, hosts: ['a'] },
  { name: 'UserKnownHostsFile with tokens', files: { config: 'Host *\n UserKnownHostsFile %d/.ssh/kh_%h ~/other_%r\n User kh\n HostName %h.kh\n' }, hosts: ['a'] },
];

describe('haforge resolves ssh_config as `ssh -G` does', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const file = write(c.files);
      for (const host of c.hosts) {
        const mine = fromHaforge(resolveSshConfig([{ path: file, user: true, required: true }], host, fsConfigIo(home)), host);
        expect({ host, ...mine }).toEqual({ host, ...fromSsh(file, host) });
      }
    });
  }
  test('at least 30 host lookups are compared', () => {
    expect(CASES.reduce((a, c) => a + c.hosts.length, 0)).toBeGreaterThanOrEqual(30);
  });
});
