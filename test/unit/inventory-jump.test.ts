// Issue 18, item 2: `ssh.jump` in the inventory, resolved before any connection; bad jumps exit 2 naming the field.
import { describe, expect, test } from 'vitest';
import { InventoryError, parseInventory } from '../../runner/inventory/index.js';

const load = (groups: string, top = '') =>
  parseInventory(`${top}ssh: { agent: true }\ngroups:\n${groups}`, { file: 'inv.yaml', checkFiles: false, env: { SSH_AUTH_SOCK: '/x' } });

function problems(groups: string, top = ''): string {
  try {
    load(groups, top);
  } catch (e) {
    if (e instanceof InventoryError) return e.message;
    throw e;
  }
  throw new Error('loaded');
}

const PAIR = `  lb:
    hosts:
      lb1: { address: 203.0.113.10, user: admin }
  web:
    ssh: { jump: lb1 }
    hosts:
      web1: { address: 10.0.0.11 }
      web2: { address: 10.0.0.12 }
`;

describe('ssh.jump', () => {
  test('a group behind the LB: the hop is the LB host, with its own login', () => {
    const inv = load(PAIR);
    const web1 = inv.hosts.find((h) => h.name === 'web1')!;
    expect(web1.jump).toEqual([{ address: '203.0.113.10', port: 22, user: 'admin', host: 'lb1' }]);
    expect(inv.hosts.find((h) => h.name === 'lb1')!.jump).toBeUndefined();
  });

  test('an address hop takes the target login unless it names its own; a list is a chain; none turns it off', () => {
    const inv = load(`  lb:
    hosts:
      lb1: { address: 203.0.113.10 }
  web:
    ssh: { jump: [ops@bastion.example.org:2222, 10.1.0.1] }
    hosts:
      web1: { address: 10.0.0.11, user: deploy }
      web2: { address: 10.0.0.12, jump: none }
`);
    expect(inv.hosts.find((h) => h.name === 'web1')!.jump).toEqual([
      { address: 'bastion.example.org', port: 2222, user: 'ops' },
      { address: '10.1.0.1', port: 22, user: 'deploy' },
    ]);
    expect(inv.hosts.find((h) => h.name === 'web2')!.jump).toBeUndefined();
  });

  test("an inventory hop's own jump comes first", () => {
    const inv = load(`  lb:
    hosts:
      lb1: { address: 10.0.0.10, jump: bastion.example.org }
  web:
    ssh: { jump: lb1 }
    hosts:
      web1: { address: 10.0.0.11 }
`);
    expect(inv.hosts.find((h) => h.name === 'web1')!.jump!.map((h) => h.address)).toEqual(['bastion.example.org', '10.0.0.10']);
  });

  test.each([
    ['a loop', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10, jump: web1 }\n  web:\n    hosts:\n      web1: { address: 10.0.0.11, jump: lb1 }\n`, 'groups.web.hosts.web1.jump: jump loop: lb1 via web1 via lb1'],
    ['itself', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10, jump: lb1 }\n  web:\n    hosts:\n      web1: { address: 10.0.0.11 }\n`, 'groups.lb.hosts.lb1.jump: jump loop: lb1 via lb1'],
    ['an unknown jump host', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10 }\n  web:\n    ssh: { jump: bastoin }\n    hosts:\n      web1: { address: 10.0.0.11 }\n`, 'groups.web.ssh.jump: unknown jump host "bastoin": not a host of this inventory nor an address'],
    ['a malformed hop', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10 }\n  web:\n    ssh: { jump: "a b" }\n    hosts:\n      web1: { address: 10.0.0.11 }\n`, 'groups.web.ssh.jump: expected a jump host'],
    ['a shell character', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10 }\n  web:\n    ssh: { jump: "j.example;id" }\n    hosts:\n      web1: { address: 10.0.0.11 }\n`, 'groups.web.ssh.jump: "j.example;id" is not [user@]host[:port]'],
    ['more than 8 hops', `  lb:\n    hosts:\n      lb1: { address: 10.0.0.10 }\n  web:\n    ssh: { jump: "${Array.from({ length: 9 }, (_, i) => `j${i}.example`).join(',')}" }\n    hosts:\n      web1: { address: 10.0.0.11 }\n`, 'groups.web.ssh.jump: 9 jump hops: at most 8'],
  ])('%s: exit 2, the field named', (_what, groups, message) => {
    const m = problems(groups);
    expect(m).toContain('inv.yaml');
    expect(m).toContain(message);
  });
});
