import { describe, expect, test } from 'vitest';
import { parseInventory } from '../../runner/inventory/load.js';
import { defaultRouterId, inSubnet, parseVip, priorityOf } from '../../recipes/ha-options.js';
import { haPreflight } from '../../recipes/ha-preflight.js';

const inv = (vars: string, lbs = 2) =>
  parseInventory(
    `ssh: { key: /k }\nvars: { ${vars} }\ngroups:\n  lb:\n    hosts:\n${Array.from({ length: lbs }, (_, i) => `      lb${i + 1}: { address: 10.1.0.${11 + i} }\n`).join('')}  web:\n    hosts:\n      web1: { address: 10.1.0.21 }\n`,
    { file: 'ha.yaml', checkFiles: false, env: {} },
  );

describe('vip and VRRP settings', () => {
  test('parseVip takes address/prefix and refuses what keepalived would not', () => {
    expect(parseVip('192.0.2.100/24')).toEqual({ address: '192.0.2.100', prefix: 24 });
    for (const bad of ['192.0.2.100', '192.0.2.300/24', '192.0.2.1/0', '192.0.2.1/33', '01.2.3.4/8', 'x/24', 7]) expect(parseVip(bad)).toBeUndefined();
  });
  test('inSubnet', () => {
    const v = parseVip('10.1.0.100/24')!;
    expect(inSubnet('10.1.0.11', v)).toBe(true);
    expect(inSubnet('10.1.1.11', v)).toBe(false);
    expect(inSubnet('10.1.1.11', parseVip('10.1.0.100/16')!)).toBe(true);
  });
  test('the default router id is 1..255, stable, and differs between VIPs', () => {
    const ids = ['10.1.0.100/24', '10.1.0.101/24', '192.0.2.100/24'].map(defaultRouterId);
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(1), expect(id).toBeLessThanOrEqual(255);
    expect(new Set(ids).size).toBe(3);
    expect(defaultRouterId('10.1.0.100/24')).toBe(ids[0]);
  });
  test('priorities default to 200, 190, ... in group order; a var wins', () => {
    expect([0, 1, 2].map((i) => priorityOf({ vars: {} }, i))).toEqual([200, 190, 180]);
    expect(priorityOf({ vars: { vrrp_priority: 50 } }, 0)).toBe(50);
  });
});

describe('haPreflight', () => {
  test('a good pair passes, with no warning; no vip: nothing to check', () => {
    expect(haPreflight(inv('vip: 10.1.0.100/24, vrrp_advert_int: 0.29'))).toEqual({ warnings: [] });
    expect(haPreflight(inv('persistence: none'))).toEqual({ warnings: [] });
  });
  test('two LBs with a vip: no "no shared address" warning from the loader', () => {
    expect(inv('vip: 10.1.0.100/24').warnings).toEqual([]);
    expect(inv('persistence: none').warnings.join()).toContain('no shared address');
  });
  test('one LB with a vip is allowed with a warning', () => {
    const r = haPreflight(inv('vip: 10.1.0.100/24', 1));
    expect(r.problem).toBeUndefined();
    expect(r.warnings?.[0]).toContain('no partner to fail over to');
  });
  test('a vip outside the subnet is fine when vip_interface names where it goes', () => {
    expect(haPreflight(inv('vip: 10.9.0.100/24, vip_interface: eth1')).problem).toBeUndefined();
  });
  test('preempt with distinct default priorities is fine', () => {
    expect(haPreflight(inv('vip: 10.1.0.100/24, preempt: true')).problem).toBeUndefined();
  });
});
