// selectHosts (--limit): names, groups, globs, lists and exclusions; a pattern matching nothing is an error.
import { describe, expect, it } from 'vitest';
import { LimitError, parseInventory, selectHosts } from '../../runner/inventory/index.js';

const inv = parseInventory(
  `
groups:
  lb:
    hosts:
      lb1: { address: 192.0.2.10 }
  web:
    hosts:
      web1: { address: 192.0.2.11 }
      web2: { address: 192.0.2.12 }
      web10: { address: 192.0.2.20 }
      api.example.com: { address: 192.0.2.30 }
  canary:
    hosts:
      web2:
`,
  { env: { SSH_AUTH_SOCK: '/tmp/agent' } },
);

const ALL = ['lb1', 'web1', 'web2', 'web10', 'api.example.com'];

describe('selectHosts', () => {
  it.each([
    { limit: undefined, hosts: ALL },
    { limit: ['all'], hosts: ALL },
    { limit: ['web1'], hosts: ['web1'] },
    { limit: ['lb'], hosts: ['lb1'] },
    { limit: ['web'], hosts: ['web1', 'web2', 'web10', 'api.example.com'] },
    { limit: ['canary'], hosts: ['web2'] },
    { limit: ['web*'], hosts: ['web1', 'web2', 'web10', 'api.example.com'] }, // hosts web1.. and group web
    { limit: ['web?'], hosts: ['web1', 'web2'] },
    { limit: ['*.example.com'], hosts: ['api.example.com'] },
    { limit: ['web2,lb1'], hosts: ['lb1', 'web2'] }, // inventory order, not pattern order
    { limit: ['web2', 'lb1'], hosts: ['lb1', 'web2'] }, // repeated --limit flags add up
    { limit: [' web1 , web1,canary '], hosts: ['web1', 'web2'] }, // spaces trimmed, duplicates once
    { limit: ['web,!canary'], hosts: ['web1', 'web10', 'api.example.com'] },
    { limit: ['!web'], hosts: ['lb1'] }, // only exclusions: from every host
    { limit: ['all,!web1*'], hosts: ['lb1', 'web2', 'api.example.com'] },
  ])('--limit $limit', ({ limit, hosts }) => {
    expect(selectHosts(inv, limit).map((h) => h.name)).toEqual(hosts);
  });

  it('returns the hosts themselves', () => {
    expect(selectHosts(inv, ['web1'])).toEqual([inv.hosts[1]]);
  });

  const known = 'Hosts: lb1, web1, web2, web10, api.example.com; groups: all, lb, web, canary';
  it.each([
    { limit: ['wbe1'], pattern: 'wbe1', message: `--limit: "wbe1" matches no host or group. Did you mean "web1"? ${known}` },
    { limit: ['db*'], pattern: 'db*', message: `--limit: "db*" matches no host or group. ${known}` },
    { limit: ['web1,nope'], pattern: 'nope', message: `--limit: "nope" matches no host or group. ${known}` },
    { limit: ['web,!canry'], pattern: 'canry', message: `--limit: "canry" matches no host or group. Did you mean "canary"? ${known}` },
    // a dot is literal, not "any character"
    { limit: ['api?example?com,web1.'], pattern: 'web1.', message: `--limit: "web1." matches no host or group. Did you mean "web1"? ${known}` },
    { limit: ['canary,!web2'], pattern: 'canary,!web2', message: '--limit canary,!web2 leaves no host to run on' },
    { limit: [' , '], pattern: '', message: '--limit is empty; give host or group names, e.g. --limit web1,lb' },
    // Given but empty never means every host (the security review's M4).
    { limit: [], pattern: '', message: '--limit is empty; give host or group names, e.g. --limit web1,lb' },
    { limit: [''], pattern: '', message: '--limit is empty; give host or group names, e.g. --limit web1,lb' },
  ])('--limit $limit is an error', ({ limit, pattern, message }) => {
    let error: unknown;
    try {
      selectHosts(inv, limit);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LimitError);
    expect((error as LimitError).message).toBe(message);
    expect((error as LimitError).pattern).toBe(pattern);
    expect((error as LimitError).exitCode).toBe(2);
  });
});
