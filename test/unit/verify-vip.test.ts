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
