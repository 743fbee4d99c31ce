import { describe, expect, test } from 'vitest';
import { kaWord, renderKeepalivedConf, type KeepalivedInput } from '../../recipes/templates/keepalived-conf.js';
import { vrrpLink } from '../../recipes/keepalived-facts.js';
import { parseVip } from '../../recipes/ha-options.js';

const base: KeepalivedInput = {
  nodeName: 'lb1', interface: 'eth0', routerId: 51, priority: 200, advertInt: 1, preempt: false,
  sourceIp: '10.1.0.11', peers: ['10.1.0.12'], vip: { address: '10.1.0.100', prefix: 24 }, checkScript: '/etc/keepalived/haforge-check-haproxy.sh',
};

describe('keepalived.conf', () => {
  test('unicast, every node BACKUP, nopreempt by default, haproxy tracked with weight 0, the VIP on its interface', () => {
    const c = renderKeepalivedConf(base);
    expect(c).toContain('    state BACKUP\n');
    expect(c).toContain('    nopreempt\n');
    expect(c).toContain('    unicast_src_ip 10.1.0.11\n    unicast_peer {\n        10.1.0.12\n    }');
    expect(c).toContain('        10.1.0.100/24 dev eth0\n');
    expect(c).toContain('    virtual_router_id 51\n    priority 200\n    advert_int 1\n');
    expect(c).toContain('track_script {\n        chk_haproxy');
    expect(c).not.toMatch(/weight|vrrp_version|state MASTER|authentication/);
    expect(c.split('{').length).toBe(c.split('}').length);
  });
  test('preempt drops nopreempt; a fractional advert_int uses VRRPv3', () => {
    const c = renderKeepalivedConf({ ...base, preempt: true, advertInt: 0.2 });
    expect(c).not.toContain('nopreempt');
    expect(c).toContain('    vrrp_version 3\n');
    expect(c).toContain('    advert_int 0.20\n');
  });
  test.each([
    ['node name with a space', { nodeName: 'lb 1' }],
    ['node name with a brace', { nodeName: 'lb1}' }],
    ['node name with a newline', { nodeName: 'lb1\nvrrp_instance X {' }],
    ['node name starting with @ (a host condition)', { nodeName: '@lb1' }],
    ['node name with $ (a definition)', { nodeName: '$X' }],
    ['node name with # (a comment)', { nodeName: 'lb#1' }],
    ['interface with a newline', { interface: 'eth0\n}' }],
    ['interface with a quote', { interface: 'eth"0' }],
    ['a peer that is no IPv4 address', { peers: ['10.1.0.12\n}'] }],
    ['a source that is a name', { sourceIp: 'lb1.example' }],
    ['no peer', { peers: [] }],
    ['router id 0', { routerId: 0 }],
    ['priority 255 (the address owner)', { priority: 255 }],
    ['advert_int 0.005', { advertInt: 0.005 }],
    ['advert_int 41.5', { advertInt: 41.5 }],
    ['a check script with a space', { checkScript: '/etc/x y.sh' }],
    ['a relative check script', { checkScript: 'x.sh' }],
  ])('refuses %s', (_what, change) => {
    expect(() => renderKeepalivedConf({ ...base, ...change } as KeepalivedInput)).toThrow(/^keepalived config: /);
  });
  test('kaWord refuses every control and line-break character', () => {
    for (let c = 0; c < 0x20; c++) expect(() => kaWord('x', `a${String.fromCharCode(c)}b`)).toThrow();
    for (const c of ['\u007f', '\u0085', '\u2028', '\u2029', '!', '{', '}', '"', "'", '\\']) expect(() => kaWord('x', `a${c}b`)).toThrow();
    expect(kaWord('x', 'lb-1.example_2')).toBe('lb-1.example_2');
  });
});

describe('vrrpLink: which interface carries the VIP', () => {
  const vip = parseVip('10.1.0.100/24')!;
  const net = { interfaces: ['lo', 'host0', 'eth1'], addresses: [
    { dev: 'lo', address: '127.0.0.1', prefix: 8 }, { dev: 'host0', address: '10.1.0.11', prefix: 24 },
    { dev: 'host0', address: '10.1.0.100', prefix: 24 }, { dev: 'eth1', address: '192.168.5.2', prefix: 24 }] };
  test('the interface of the inventory address; the VIP is never the source', () => {
    expect(vrrpLink('lb1', '10.1.0.11', {}, vip, net)).toEqual({ dev: 'host0', address: '10.1.0.11' });
    expect(vrrpLink('lb1', '203.0.113.9', {}, vip, net)).toEqual({ dev: 'host0', address: '10.1.0.11' });
  });
  test('vip_interface wins; a missing one fails with the interfaces it has', () => {
    expect(vrrpLink('lb1', '10.1.0.11', { vip_interface: 'eth1' }, vip, net)).toEqual({ dev: 'eth1', address: '192.168.5.2' });
    expect(() => vrrpLink('lb1', '10.1.0.11', { vip_interface: 'eth9' }, vip, net)).toThrow('vip_interface eth9 does not exist on lb1 (it has host0, eth1); keepalived was not touched');
  });
  test('no ip command and no vip_interface: says to install iproute2 or set it', () => {
    expect(() => vrrpLink('lb1', '10.1.0.11', {}, vip, { interfaces: ['eth0'], addresses: null })).toThrow(/iproute2/);
  });
});

describe('haproxy.cfg of an HA pair', () => {
  test('binds the VIP and the LB\'s own address (http and https)', async () => {
    const { renderHaproxyConfig } = await import('../../recipes/templates/haproxy-cfg.js');
    const cfg = renderHaproxyConfig({
      haproxyVersion: '2.6.12', bind: { address: '10.1.0.100', port: 80, also: ['10.1.0.11'] },
      webServers: [{ name: 'web1', address: '10.1.0.21', port: 80 }],
      https: { enabled: true, port: 443, certPath: '/etc/haproxy/certs/site.pem' },
    });
    expect(cfg).toContain('    bind 10.1.0.100:80\n    bind 10.1.0.11:80\n');
    expect(cfg).toContain('    bind 10.1.0.100:443 ssl crt /etc/haproxy/certs/site.pem alpn h2,http/1.1\n    bind 10.1.0.11:443 ssl crt');
    expect(() => renderHaproxyConfig({ haproxyVersion: '2.6.12', bind: { address: '10.1.0.100', port: 80, also: ['*'] }, webServers: [{ name: 'w', address: '10.1.0.2', port: 80 }] })).toThrow(/extra bind address/);
  });
});
