// M1 (issue 21): each target format has one function that every writer of that format goes through, and it
// refuses what would split a line or start a new one. The option patterns (option-patterns.test.ts) stop bad
// values at exit 2; these are the second wall, for values that come from anywhere else.
import { describe, expect, test } from 'vitest';
import { cfgWord } from '../../recipes/templates/haproxy-word.js';
import { deb822Field, deb822Stanza } from '../../recipes/templates/deb822.js';
import { renderHaproxyConfig } from '../../recipes/templates/haproxy-cfg.js';
import { preferencesFile, sourcesFile } from '../../recipes/haproxy-repo.js';

describe('cfgWord (haproxy.cfg)', () => {
  test('a plain word is written as is', () => {
    expect(cfgWord('server name', 'web1')).toBe('web1');
    expect(cfgWord('hash', '$6$salt$abc./XYZ')).toBe('$6$salt$abc./XYZ');
  });
  test.each(['a b', 'a\tb', 'a\nuser x', 'a\rb', 'a#b', 'a"b', "a'b", 'a\\b', '', 'a\u0000b', 'a\u007fb', 'a\u2028b', '${HOME}'])(
    'refuses %j',
    (v) => expect(() => cfgWord('cookie name', v)).toThrow(/haproxy config: cookie name .* cannot be one haproxy.cfg word/),
  );
  test('the renderer goes through it: an injected line in a name never reaches the file', () => {
    const base = { haproxyVersion: '2.6.12', bind: { address: '*', port: 80 }, webServers: [{ name: 'web1', address: '10.0.0.2', port: 80 }] };
    expect(() => renderHaproxyConfig({ ...base, persistence: 'cookie-insert', cookieName: 'SRV\n    stats auth a:b' })).toThrow(/cookie name/);
    expect(() => renderHaproxyConfig({ ...base, webServers: [{ name: 'web1', address: '10.0.0.2\nlisten x', port: 80 }] })).toThrow();
  });
});

describe('deb822 fields (.sources, preferences)', () => {
  test('a field is one line', () => {
    expect(deb822Field('Suites', 'bookworm')).toBe('Suites: bookworm');
  });
  test.each(['a\nb', 'a\n b', 'a\r\nTypes: deb', '', ' leading', 'trailing ', 'a\u0000', 'a\u2029b', '#x'])('refuses %j', (v) => {
    expect(() => deb822Field('Suites', v)).toThrow(/Suites .* cannot be a deb822 field value/);
  });
  test('field names are checked too', () => {
    expect(() => deb822Field('Bad Name', 'x')).toThrow(/field name/);
  });
  test('the repository files are built through it', () => {
    const repo = { url: 'http://h.example/debian', suite: 'bookworm', component: 'main', key: '/k', version: '3.2' };
    expect(sourcesFile(repo)).toBe(
      '# managed by haforge\nTypes: deb\nURIs: http://h.example/debian\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/haforge-haproxy.asc\n',
    );
    expect(preferencesFile(repo)).toBe('# managed by haforge\nPackage: haproxy*\nPin: version 3.2.*\nPin-Priority: 900\n');
    expect(() => sourcesFile({ ...repo, suite: 'bookworm\nComponents: evil' })).toThrow(/Suites/);
    expect(() => sourcesFile({ ...repo, component: 'main\n evil continuation' })).toThrow(/Components/);
    expect(() => preferencesFile({ ...repo, version: '3.2\nPin-Priority: 1001' })).toThrow(/Pin/);
  });
  test('deb822Stanza joins checked fields under a comment', () => {
    expect(deb822Stanza('managed', [['A', 'b'], ['C', 'd']])).toBe('# managed\nA: b\nC: d\n');
  });
});
