// The runtime API's shell (recipes/lib/haproxy-runtime.ts): a rendered config split into its servers and the rest
// (what decides runtime vs reload), the running servers read back, and the live script run against a fake socat
// (a stand-in HAProxy answering like 2.6 does), so its order is checked: added in maint, drained until the health
// check passes, then ready; removed ones drained, put in maint, then deleted.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { renderHaproxyConfig } from '../../recipes/templates/haproxy-cfg.js';
import { liveServersScript, parseRunningServers, serversOf } from '../../recipes/lib/haproxy-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'haforge-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (servers: { name: string; address: string; port: number }[], keepAlive = true) =>
  renderHaproxyConfig({
    haproxyVersion: '2.6.12',
    bind: { address: '*', port: 80, also: [] },
    webServers: servers,
    balance: 'roundrobin',
    persistence: 'cookie-insert',
    keepAlive: { enabled: keepAlive, timeoutMs: 3000 },
    https: { enabled: false, port: 443, certPath: '/etc/haproxy/certs/site.pem' },
    stats: { enabled: true, user: 'admin', passwordHash: '$6$saltsalt$' + 'a'.repeat(86) },
  });

describe('serversOf: runtime vs reload', () => {
  const one = [{ name: 'web1', address: '10.0.0.11', port: 80 }];
  const two = [...one, { name: 'web2', address: '10.0.0.12', port: 8080 }];

  test('a web node added changes only the servers; keep-alive changes the rest', () => {
    const [a, b] = [serversOf(cfg(one)), serversOf(cfg(two))];
    expect(a.rest).toBe(b.rest);
    expect(b.servers.get('cluster_web')).toEqual([
      { name: 'web1', address: '10.0.0.11', port: 80, params: 'check cookie web1' },
      { name: 'web2', address: '10.0.0.12', port: 8080, params: 'check cookie web2' },
    ]);
    expect(serversOf(cfg(two, false)).rest).not.toBe(b.rest);
  });

  test('running servers from `show servers state` (header and other lines ignored)', () => {
    const out = '1\n# be_id be_name srv_id srv_name srv_addr\nweb1 10.0.0.11 80\nweb2 10.0.0.12 8080\n\n';
    expect(parseRunningServers(out)).toEqual([
      { name: 'web1', address: '10.0.0.11', port: 80 },
      { name: 'web2', address: '10.0.0.12', port: 8080 },
    ]);
  });
});

describe('liveServersScript against a fake runtime socket', () => {
  // A fake socat: logs each command; `show stat` says web2 passed its check from the 2nd look on, web1 has 0 sessions.
  const fake = join(dir, 'socat');
  writeFileSync(
    fake,
    `#!/bin/bash
read -r cmd; echo "$cmd" >> ${dir}/sent
case "$cmd" in
  'add server'*) echo 'New server registered.';;
  'show stat') n=$(grep -c '^show stat' ${dir}/sent); echo '# pxname,svname,scur,status,check_status'
    if [ "$n" -ge 2 ]; then echo 'cluster_web,web2,0,DRAIN,L7OK'; else echo 'cluster_web,web2,0,DRAIN 0/3,INI'; fi
    echo 'cluster_web,web1,0,DRAIN,L7OK';;
  'show servers state'*) echo 1; echo '2 cluster_web 1 web1 10.0.0.11 2 0 1 1 5 15 3 4 6 0 0 0 - 80 - 0 0 - - 0';;
  'del server'*) echo 'Server deleted.';;
esac
`,
  );
  chmodSync(fake, 0o755);

  test('add: maint, drain, health on, waits for the check, ready; remove: drain, wait, maint, del', () => {
    const script = liveServersScript({
      backend: 'cluster_web',
      add: [{ name: 'web2', address: '10.0.0.12', port: 80, params: 'check cookie web2 inter 2s' }],
      remove: ['web1'],
      drainTimeoutS: 5,
      healthTimeoutS: 5,
    });
    const r = spawnSync('bash', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'sent'), 'utf8').split('\n').filter(Boolean)).toEqual([
      'add server cluster_web/web2 10.0.0.12:80 check cookie web2 inter 2s',
      'set server cluster_web/web2 state drain',
      'enable health cluster_web/web2',
      'show stat',
      'show stat',
      'set server cluster_web/web2 state ready',
      'show servers state cluster_web',
      'set server cluster_web/web1 state drain',
      'show stat',
      'set server cluster_web/web1 state maint',
      'del server cluster_web/web1',
    ]);
  });
});
