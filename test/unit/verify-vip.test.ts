// verify's VIP judgement (issue 16): one holder is healthy; none is an outage; two or more is split brain,
// named in one line.
import { describe, expect, it } from 'vitest';
import { holdersProblem, vipHeld } from '../../recipes/verify-vip.js';

const vip = { address: '10.9.0.250', prefix: 24 };

describe('holdersProblem', () => {
  it('one holder: no problem', () => expect(holdersProblem(vip, ['lb1'], ['lb1', 'lb2'])).toBeUndefined());
  it('two holders: split brain naming both', () => {
    expect(holdersProblem(vip, ['lb1', 'lb2'], ['lb1', 'lb2'])).toMatch(/^split brain: lb1 and lb2 all hold the VIP 10\.9\.0\.250 /);
  });
  it('none: an outage naming the LBs read', () => {
    expect(holdersProblem(vip, [], ['lb1', 'lb2'])).toMatch(/^no LB holds the VIP 10\.9\.0\.250 \(lb1, lb2 /);
  });
  it('the fact reads `ip` output; a failing ip is an error, not "not held"', () => {
    const f = vipHeld(vip);
    expect(f.command).toBe('ip -4 -o addr show to 10.9.0.250/32');
    expect(f.parse({ stdout: '2: eth0    inet 10.9.0.250/24 scope global secondary eth0\n', stderr: '', code: 0, signal: null })).toBe(true);
    expect(f.parse({ stdout: '', stderr: '', code: 0, signal: null })).toBe(false);
    expect(() => f.parse({ stdout: '', stderr: 'ip: not found', code: 127, signal: null })).toThrow(/ip: not found/);
  });
});

describe('an LB\'s role as status shows it', async () => {
  const { lbState, roleOf } = await import('../../recipes/ha-state.js');
  const { haPreflight } = await import('../../recipes/ha-preflight.js');
  it('the VIP means MASTER; keepalived without haproxy is FAULT (track script); no keepalived is STOPPED', () => {
    expect(roleOf({ holdsVip: true, keepalived: false, haproxy: false })).toBe('MASTER');
    expect(roleOf({ holdsVip: false, keepalived: true, haproxy: true })).toBe('BACKUP');
    expect(roleOf({ holdsVip: false, keepalived: true, haproxy: false })).toBe('FAULT');
    expect(roleOf({ holdsVip: false, keepalived: false, haproxy: true })).toBe('STOPPED');
    const s = lbState(vip).parse({ stdout: 'vip=0\nkeepalived=1\nhaproxy=0\n', stderr: '', code: 0, signal: null });
    expect(s).toEqual({ holdsVip: false, keepalived: true, haproxy: false, role: 'FAULT' });
    expect(() => lbState(vip).parse({ stdout: '', stderr: 'ip failed', code: 3, signal: null })).toThrow(/ip failed/);
  });
  it('failover is refused before any connection without a pair, with preempt, or --to a host that is no LB', () => {
    const host = (name: string, group: string, vars: Record<string, unknown>) => ({ name, address: `10.9.0.${name.length}${group.length}`, port: 22, groups: [group], vars }) as never;
    const inv = (lbVars: Record<string, unknown>[]) => ({
      file: 'x.yaml', vars: {}, warnings: [],
      hosts: [...lbVars.map((v, i) => host(`lb${i + 1}`, 'lb', v)), host('web1', 'web', {})],
      groups: { lb: lbVars.map((_, i) => `lb${i + 1}`), web: ['web1'] },
    }) as never;
    const run = (vars = {}) => ({ recipes: ['failover'], vars });
    expect(haPreflight(inv([{}]), run()).problem).toMatch(/^x\.yaml: groups\.lb: failover needs an HA pair: .*\(1 LB, 0 with a vip\)/);
    const pair = [{ vip: '10.9.0.250/24' }, { vip: '10.9.0.250/24' }];
    expect(haPreflight(inv(pair), run()).problem).toBeUndefined();
    expect(haPreflight(inv(pair), run({ to: 'web1' })).problem).toMatch(/^--to web1: not a load balancer/);
    expect(haPreflight(inv(pair.map((v, i) => ({ ...v, preempt: true, vrrp_priority: 100 + i }))), run()).problem).toMatch(/failover with preempt: true/);
  });
});
