// M1 (issue 21): every string option and host var declares the characters it allows, and badValue refuses the
// rest (a newline or a control character would start a new line in haproxy.cfg, a .sources file or a shell
// line). Checked for inventory vars (checkVars) and for flags (parseCli), both exit 2.
import { describe, expect, test } from 'vitest';
import { hostVars, options, secrets } from '../../recipes/options.js';
import { badValue } from '../../runner/cli/check-vars.js';
import { parseCli } from '../../runner/cli/args.js';

const all = [...options, ...hostVars];
const byName = (n: string) => all.find((o) => o.name === n)!;

describe('string option patterns', () => {
  test('every string option and host var has a pattern with a description', () => {
    const missing = all.filter((o) => o.type === 'string' && !(o.pattern?.regex instanceof RegExp && o.pattern.allowed));
    expect(missing.map((o) => o.name)).toEqual([]);
  });

  const injections = ['main\nTypes: deb', 'x\r\nuser evil', 'a\u0000b', 'a\tb', 'a\u001bb', 'a\u007fb', 'x\u2028y'];
  test.each(all.filter((o) => o.type === 'string' && !o.choices).map((o) => o.name))('%s refuses newlines and control characters', (name) => {
    for (const v of injections) {
      const problem = badValue(byName(name), v);
      expect(problem, `${name} ${JSON.stringify(v)}`).toMatch(/^expected /);
    }
  });

  test('the message says what is allowed and what was found', () => {
    expect(badValue(byName('haproxy_repo_suite'), 'bookworm\nComponents: evil')).toMatch(/expected a suite name .*found "bookworm\\nComponents: evil"/);
    expect(badValue(byName('haproxy_version'), '3.2 ; reboot')).toMatch(/expected a HAProxy branch/);
  });

  test('ordinary values pass', () => {
    const ok: Record<string, string[]> = {
      cookie_name: ['SERVERID', 'PHPSESSID', 'my.app-id_2'],
      stats_user: ['admin', 'ops.team-1'],
      haproxy_version: ['3.2', '2.8', '3.0.11'],
      haproxy_repo_url: ['http://10.0.0.1:8080/debian', 'https://repo.example.org/haproxy/', 'https://u@h/p?x=1'],
      haproxy_repo_suite: ['bookworm-backports-3.2', 'stable', 'haforge-e2e'],
      haproxy_repo_component: ['main', 'contrib'],
      haproxy_repo_key: ['./key.asc', '/etc/keys/k.gpg', 'https://h.example/k.gpg', 'my key.asc'],
      https_cert: ['./site.pem', '/srv/certs/my site.pem'],
      bind_address: ['*', '', '10.0.0.5', '::1', 'fd00::1'],
      haproxy_repo_key_fingerprint: ['0123456789ABCDEF0123456789abcdef01234567', '0123 4567 89AB CDEF 0123  4567 89ab cdef 0123 4567'],
    };
    for (const [name, values] of Object.entries(ok)) for (const v of values) expect(badValue(byName(name), v), `${name} ${v}`).toBeUndefined();
  });

  test('a flag with a newline is refused, naming the flag', () => {
    expect(() => parseCli(['up', '--haproxy-repo-suite', 'x\nComponents: evil'], options, secrets)).toThrow(
      /^--haproxy-repo-suite: expected a suite name/,
    );
    expect(() => parseCli(['up', '--cookie-name', 'A B'], options, secrets)).toThrow(/^--cookie-name: expected 1-64 letters/);
  });
});

describe('values that come in as overrides (flags, wizard answers) are checked too', () => {
  test('checkVars refuses an override with a line break, naming it as a flag', async () => {
    const { parseInventory } = await import('../../runner/inventory/index.js');
    const { checkVars } = await import('../../runner/cli/check-vars.js');
    const inv = parseInventory('groups:\n  lb:\n    hosts:\n      lb1: { address: 192.0.2.10 }\n  web:\n    hosts:\n      w1: { address: 192.0.2.11 }\n', {
      env: { SSH_AUTH_SOCK: '/tmp/agent' },
    });
    await expect(checkVars(inv, inv.hosts, options, { stats_user: 'admin\n    user x' }, undefined, hostVars)).rejects.toThrow(
      /^--stats-user: expected 1-64 letters/,
    );
  });
});
