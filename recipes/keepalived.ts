// The HA pair (issue 16): keepalived moves the VIP between the LBs. Two recipes: before haproxy's config (the
// kernel must let HAProxy bind a VIP it does not hold yet, and the interface is checked before keepalived is
// touched) and after haproxy runs (keepalived's config, validated with `keepalived -t`, backup and rollback).
// Nothing happens without a `vip`.
import type { Fact, Recipe } from '../runner/engine/types.js';
import { command, file, packages, reloadService, service } from '../runner/engine/primitives/index.js';
import { CHECK_HAPROXY_SCRIPT, renderKeepalivedConf } from './templates/keepalived-conf.js';
import { defaultRouterId, parseVip, priorityOf, vipOf } from './ha-options.js';
import { lbNetwork, ownLink, peerAddress, type LbNetwork } from './keepalived-facts.js';
import { opt } from './options.js';
import { keepingUpgradeStamp } from './system-update.js';

export const KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf';
export const CHECK_SCRIPT = '/etc/keepalived/haforge-check-haproxy.sh';
export const SYSCTL_FILE = '/etc/sysctl.d/60-haforge-nonlocal-bind.conf';
/** Debian's keepalived: the sysv script's pid file of the parent process. */
export const KEEPALIVED_SERVICE = { name: 'keepalived', pidFile: '/run/keepalived.pid' };

export const keepalivedInstall: Recipe = {
  name: 'keepalived-install',
  summary: 'with a vip: net.ipv4.ip_nonlocal_bind=1 (kept in /etc/sysctl.d, applied) and keepalived installed',
  roles: ['lb'],
  after: ['haproxy-install'],
  async steps(h) {
    const vip = vipOf(h);
    if (!vip) return [];
    await ownLink(h, vip); // a vip_interface that is not there fails the host here, before anything changes
    return [
      file({ path: SYSCTL_FILE, mode: 0o644, owner: 'root', group: 'root', content: '# haforge: HAProxy binds the VIP before keepalived gives it to this host.\nnet.ipv4.ip_nonlocal_bind = 1\n' }),
      command({ name: 'net.ipv4.ip_nonlocal_bind = 1 (applied)', run: 'sysctl -q -w net.ipv4.ip_nonlocal_bind=1', unless: '[ "$(cat /proc/sys/net/ipv4/ip_nonlocal_bind)" = 1 ]' }), // (dash's read fails on /proc/sys files)
      keepingUpgradeStamp(packages({ names: ['keepalived'], name: 'keepalived installed' }), ['keepalived']),
    ];
  },
};

export const keepalivedConfig: Recipe = {
  name: 'keepalived-config',
  summary: 'with a vip: keepalived.conf (unicast peers, haproxy tracked, nopreempt), validated with keepalived -t, reload on change, rollback; running',
  roles: ['lb'],
  after: ['haproxy-service', 'keepalived-install'],
  // Read only where a vip is set: without one the recipe has no step and the run no extra round trip.
  peerFacts: [{ groups: ['lb'], facts: [lbNetwork], when: (vars) => vars['vip'] !== undefined }],
  // Backups first, the master last (rank 1: it holds the VIP now), so a change that moves the VIP moves it
  // once; a reload alone (SIGHUP keeps the state) moves nothing. From the network facts read anyway.
  rollBy: {
    groups: ['lb'],
    fact: lbNetwork as Fact<unknown>,
    rank: (net, vars) => ((net as LbNetwork).addresses?.some((a) => a.address === parseVip(vars['vip'])?.address) ? 1 : 0),
    when: (vars) => vars['vip'] !== undefined,
  },
  async steps(h) {
    const vip = vipOf(h);
    if (!vip) return [];
    const link = await ownLink(h, vip);
    const lbs = h.cluster.hosts('lb');
    const index = lbs.findIndex((p) => p.name === h.name);
    const conf = renderKeepalivedConf({
      nodeName: h.name,
      interface: link.dev,
      routerId: typeof h.vars['vrrp_router_id'] === 'number' ? h.vars['vrrp_router_id'] : defaultRouterId(`${vip.address}/${vip.prefix}`),
      priority: priorityOf(lbs[index] ?? { vars: h.vars }, index),
      advertInt: opt<number>(h, 'vrrp_advert_int'),
      preempt: opt<boolean>(h, 'preempt'),
      sourceIp: link.address,
      peers: lbs.filter((p) => p.name !== h.name).map((p) => peerAddress(p, vip)),
      vip,
      checkScript: CHECK_SCRIPT,
    });
    return [
      file({ path: CHECK_SCRIPT, mode: 0o755, owner: 'root', group: 'root', content: CHECK_HAPROXY_SCRIPT }),
      file({
        path: KEEPALIVED_CONF,
        mode: 0o644,
        owner: 'root',
        group: 'root',
        content: conf,
        // -e: a missing file is an error (without it keepalived -t says "Config files missing" and exits 0).
        validate: 'keepalived -t -e -f {}',
        activate: (host) => reloadService(host, KEEPALIVED_SERVICE),
      }),
      service({ ...KEEPALIVED_SERVICE, enabled: true }),
    ];
  },
};
