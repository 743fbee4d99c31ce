// Issue 18, item 1: what haforge refuses in ssh_config (with file:line), and the rules `ssh -G` cannot show
// without touching this machine's own ~/.ssh (relative Includes, the default files).
import { describe, expect, test } from 'vitest';
import { resolveSshConfig, type ConfigIo } from '../../runner/transport/ssh-config/resolve.js';
import { configFiles } from '../../runner/transport/ssh-config/files.js';
import { parseJumps } from '../../runner/transport/ssh-config/jump.js';
import { parseLines } from '../../runner/transport/ssh-config/lines.js';

function io(files: Record<string, string>, home = '/home/op'): ConfigIo {
  return {
    home,
    read: (p) => files[p],
    list: (d) => Object.keys(files).filter((p) => p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes('/')).map((p) => p.slice(d.length + 1)),
  };
}
const F = '/home/op/.ssh/config';
const resolve = (text: string, host: string, extra: Record<string, string> = {}) =>
  resolveSshConfig(configFiles(undefined, '/home/op'), host, io({ [F]: text, ...extra }));

describe('refused, naming file and line', () => {
  test.each([
    ['Host a\n  ProxyCommand nc %h 22\n', 'a', `${F}:2: ProxyCommand is not supported (for a): use ProxyJump`],
    ['Match exec "true"\n Port 2\n', 'a', `${F}:1: Match exec is not supported (only host, originalhost and all)`],
    ['Match user bob\n', 'a', `${F}:1: Match user is not supported`],
    ['Match all host a\n', 'a', `${F}:1: "Match all" cannot be combined`],
    ['Match host\n', 'a', `${F}:1: Match host needs a pattern`],
    ['Host a\n CanonicalizeHostname yes\n', 'a', `${F}:2: CanonicalizeHostname is not supported`],
    ['Host b\n ProxyJump not a host\n', 'a', `${F}:2: proxyjump takes one value, not "not a host"`],
    ['Host b\n ProxyJump a;b\n', 'a', `${F}:2: ProxyJump: "a;b" is not [user@]host[:port]`],
    ['Host a\n Port 70000\n', 'a', `${F}:2: Port is 1..65535, not "70000"`],
    ['Host a\n IdentitiesOnly maybe\n', 'a', `${F}:2: identitiesonly is yes or no, not "maybe"`],
    ['Host a\n StrictHostKeyChecking sometimes\n', 'a', `${F}:2: StrictHostKeyChecking is yes, no, ask or accept-new`],
    ['Host a\n User "unclosed\n', 'a', `${F}:2: an unclosed quote`],
    ['Host a\n HostName %r.lan\n', 'a', `${F}:2: HostName does not take %r`],
  ])('%j for %s', (text, host, message) => {
    expect(() => resolve(text, host)).toThrow(message);
  });

  test('a ProxyCommand that does not apply, or one that a ProxyJump came before, is no error', () => {
    expect(resolve('Host b\n ProxyCommand nc %h 22\n', 'a').hostname).toBe('a');
    expect(resolve('Host a\n ProxyJump j\n ProxyCommand nc x\n', 'a').proxyJump).toBe('j');
  });

  test('a file named with -F / ssh.config must be readable; the default files may be absent', () => {
    expect(() => resolveSshConfig(configFiles('/nowhere/config'), 'a', io({}))).toThrow('/nowhere/config:0: cannot be read');
    expect(resolveSshConfig(configFiles(undefined, '/home/op'), 'a', io({})).hostname).toBe('a');
  });

  test('an Include loop ends with a clear error, not a stack overflow', () => {
    expect(() => resolve('Include config\n', 'a')).toThrow(`${F}:1: Include nested too deep`);
  });
});

describe('rules', () => {
  test('relative Includes: under ~/.ssh for the user file, under /etc/ssh for the system one', () => {
    const files = {
      [F]: 'Include extra.conf\n',
      '/home/op/.ssh/extra.conf': 'Host a\n User fromuser\n',
      '/etc/ssh/ssh_config': 'Include ssh_config.d/*.conf\n',
      '/etc/ssh/ssh_config.d/10-port.conf': 'Port 2200\n',
      '/etc/ssh/ssh_config.d/20-port.conf': 'Port 2300\n',
    };
    const s = resolveSshConfig(configFiles(undefined, '/home/op'), 'a', io(files));
    expect(s).toMatchObject({ user: 'fromuser', port: 2200 });
  });

  test('the user file comes before the system file; with -F only that file is read', () => {
    const files = { [F]: 'Host a\n Port 1022\n', '/etc/ssh/ssh_config': 'Host *\n Port 2022\n User sys\n', '/cfg': 'User only\n' };
    expect(resolveSshConfig(configFiles(undefined, '/home/op'), 'a', io(files))).toMatchObject({ port: 1022, user: 'sys' });
    expect(resolveSshConfig(configFiles('/cfg'), 'a', io(files))).toMatchObject({ user: 'only' });
    expect(resolveSshConfig(configFiles('/cfg'), 'a', io(files)).port).toBeUndefined();
  });

  test('keyword lines: `=` and blanks, quotes, comments', () => {
    expect(parseLines('Port=22\nUser  =  "a b"  # c\n# x\n', 'f').map((d) => [d.keyword, d.args, d.line])).toEqual([
      ['port', ['22'], 1],
      ['user', ['a b'], 2],
    ]);
  });

  test('jump lists', () => {
    expect(parseJumps('j1,u@j2:2200,ssh://v@[2001:db8::1]:22')).toEqual([
      { host: 'j1' },
      { user: 'u', host: 'j2', port: 2200 },
      { user: 'v', host: '2001:db8::1', port: 22 },
    ]);
    expect(parseJumps('a:0')).toEqual({ error: '"a:0" is not [user@]host[:port]' });
    expect(parseJumps('a;rm -rf /')).toHaveProperty('error');
  });
});
