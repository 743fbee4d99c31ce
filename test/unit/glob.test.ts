// Lower (d) of issue 21: --limit globs (and known_hosts patterns) are matched by the two-pointer wildcard
// algorithm: at most about (pattern length + 1) x (name length + 1) steps, where the regular expression it
// replaces backtracked exponentially on patterns like *a*a*a*...*b (40 characters took ~27 s).
import { describe, expect, test } from 'vitest';
import { globMatch } from '../../runner/inventory/glob.js';
import { parseInventory, selectHosts } from '../../runner/inventory/index.js';

describe('globMatch', () => {
  test.each([
    ['web*', 'web10', true], ['web?', 'web1', true], ['web?', 'web10', false], ['*', '', true], ['', '', true],
    ['a*b*c', 'aXbYc', true], ['a*b*c', 'aXbY', false], ['*.example.com', 'api.example.com', true],
    ['w.b', 'web', false], ['[a]', '[a]', true], ['web(1)', 'web(1)', true], ['**x', 'x', true], ['?', '', false],
  ])('%s ~ %s = %s', (p, s, want) => expect(globMatch(p, s)).toBe(want));

  test('case-insensitive on request (known_hosts)', () => {
    expect(globMatch('*.EXAMPLE.com', 'a.example.COM', { ignoreCase: true })).toBe(true);
    expect(globMatch('*.EXAMPLE.com', 'a.example.COM')).toBe(false);
  });

  test('a crafted pattern against a long name takes a bounded number of steps', () => {
    const pattern = '*a*a*a*a*a*a*a*a*a*b';
    const name = 'a'.repeat(5000);
    const steps = { n: 0 };
    expect(globMatch(pattern, name, { steps })).toBe(false);
    expect(steps.n).toBeLessThanOrEqual((pattern.length + 1) * (name.length + 1));
  });
});

describe('selectHosts with a crafted --limit', () => {
  test('finishes fast (generous bound) on a name the old regex needed seconds for', () => {
    const name = 'a'.repeat(40);
    const inv = parseInventory(`groups:\n  lb:\n    hosts:\n      ${name}: { address: 192.0.2.10 }\n  web:\n    hosts:\n      w1: { address: 192.0.2.11 }\n`, {
      env: { SSH_AUTH_SOCK: '/tmp/agent' },
    });
    const t0 = Date.now();
    expect(() => selectHosts(inv, ['*a*a*a*a*a*a*a*a*a*b'])).toThrow(/matches no host/);
    expect(selectHosts(inv, ['*a*a*a*a*a*a*a*a*a*']).map((h) => h.name)).toEqual([name]);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
