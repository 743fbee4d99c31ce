// keepalived.conf for an HA pair (issue 16): one VRRP instance over unicast, every node `state BACKUP` (otherwise
// keepalived ignores nopreempt), a track script for haproxy with weight 0 (a failed check sends priority 0 and the
// peer takes over at once; a negative weight with nopreempt never fails over: ../shared/notes/ha-pair.md).
//
// The one way a value becomes a keepalived.conf word: keepalived splits on blanks, reads '#' and '!' as comments,
// '"' as quotes, '{' '}' as blocks, '$' as a definition and a leading '@' as a host condition. Rather than escape,
// every value is checked against what it must be (an IPv4 address, an interface name, a number) and refused otherwise.
import { isIP } from 'node:net';

export interface KeepalivedInput {
  /** This node's name (global_defs router_id: logs only). */
  nodeName: string;
  interface: string;
  /** virtual_router_id, 1..255: unique per network segment. */
  routerId: number;
  /** 1..254 */
  priority: number;
  /** Seconds; below 1 or fractional needs VRRPv3 (centiseconds, at most 40.95). */
  advertInt: number;
  preempt: boolean;
  /** This node's address on `interface`; the peers' addresses (unicast, never multicast). */
  sourceIp: string;
  peers: readonly string[];
  vip: { address: string; prefix: number };
  /** The track script's absolute path. */
  checkScript: string;
}

const UNSAFE = /[\s"'\\#!{}$\p{Cc}\p{Zl}\p{Zp}]|^@/u;

/** `value` as one keepalived.conf word; throws `keepalived config: WHAT ...` for anything keepalived would read otherwise. */
export function kaWord(what: string, value: string): string {
  if (value === '' || UNSAFE.test(value)) throw new Error(`keepalived config: ${what} ${JSON.stringify(value)} cannot be one keepalived.conf word`);
  return value;
}

function ipv4(what: string, value: string): string {
  if (isIP(value) !== 4) throw new Error(`keepalived config: ${what} ${JSON.stringify(value)} must be an IPv4 address`);
  return value;
}

function int(what: string, v: number, min: number, max: number): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`keepalived config: ${what} ${String(v)} must be an integer ${min}-${max}`);
  return String(v);
}

/** Whether this advert interval needs VRRPv3 (v2 rounds a fractional one and `keepalived -t` fails). */
export const needsV3 = (advertInt: number) => !Number.isInteger(advertInt);

function advert(v: number): string {
  if (Number.isInteger(v)) return int('advert_int', v, 1, 255);
  const cs = Math.round(v * 100);
  if (!(cs >= 1 && cs <= 4095) || Math.abs(cs - v * 100) > 1e-6) throw new Error(`keepalived config: advert_int ${String(v)} must be 0.01-40.95 in steps of 0.01`);
  return (cs / 100).toFixed(2);
}

export function renderKeepalivedConf(i: KeepalivedInput): string {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(i.interface)) throw new Error(`keepalived config: interface ${JSON.stringify(i.interface)} is not an interface name`);
  if (!i.checkScript.startsWith('/')) throw new Error('keepalived config: the check script needs an absolute path');
  const dev = kaWord('interface', i.interface);
  const vip = `${ipv4('vip', i.vip.address)}/${int('vip prefix', i.vip.prefix, 1, 32)}`;
  const src = ipv4('unicast source', i.sourceIp);
  if (i.peers.length === 0) throw new Error('keepalived config: no unicast peer');
  const peers = i.peers.map((p) => `        ${ipv4('unicast peer', p)}`);
  return [
    '# /etc/keepalived/keepalived.conf: managed by haforge — local edits are overwritten.',
    'global_defs {',
    `    router_id ${kaWord('node name', i.nodeName)}`,
    '    script_user root',
    '    enable_script_security',
    ...(needsV3(i.advertInt) ? ['    vrrp_version 3'] : []),
    '}',
    '',
    'vrrp_script chk_haproxy {',
    `    script "${kaWord('check script', i.checkScript)}"`,
    '    interval 1',
    '    timeout 1',
    '    fall 2',
    '    rise 2',
    '}',
    '',
    'vrrp_instance VI_HAFORGE {',
    '    state BACKUP',
    `    interface ${dev}`,
    `    virtual_router_id ${int('virtual_router_id', i.routerId, 1, 255)}`,
    `    priority ${int('priority', i.priority, 1, 254)}`,
    `    advert_int ${advert(i.advertInt)}`,
    ...(i.preempt ? [] : ['    nopreempt']),
    `    unicast_src_ip ${src}`,
    '    unicast_peer {',
    ...peers,
    '    }',
    '    virtual_ipaddress {',
    `        ${vip} dev ${dev}`,
    '    }',
    '    track_script {',
    '        chk_haproxy',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** The track script: exit 0 while haproxy's master (its pid file) is alive. Two shell builtins, no process. */
export const CHECK_HAPROXY_SCRIPT = [
  '#!/bin/sh',
  '# haforge: keepalived tracks haproxy with this (exit 0 while haproxy\'s master process is alive).',
  'read -r p < /run/haproxy.pid 2>/dev/null && read -r c < "/proc/$p/comm" 2>/dev/null && [ "$c" = haproxy ]',
  '',
].join('\n');
