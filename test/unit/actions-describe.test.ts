// Plans as data, as shown: every action's exact commands (apt-get with its options, the init's service
// command, a write's steps with the upload by hash), the --json view without content, and secrets masked.
import { describe, expect, test } from 'vitest';
import { commandsOf, viewOf, type Action } from '../../runner/engine/actions/index.js';
import { Redactor } from '../../runner/report/redact.js';
import { jsonReport } from '../../runner/report/json.js';

const write: Action = {
  kind: 'write', path: '/etc/haproxy/certs/site.pem', mode: 0o600, owner: 'root', group: 'root', sha256: 'ab'.repeat(32), size: 11,
  sensitive: true, backup: true, activate: { kind: 'service', name: 'haproxy', op: 'reload', init: 'systemd' }, content: 'PRIVATE KEY',
};

describe('actions: commands and views', () => {
  test('packages: apt-get noninteractive, the lock wait, config files kept, names quoted', () => {
    const [cmd] = commandsOf({ kind: 'packages', op: 'install', names: ["haproxy=3.2'.*"], lockTimeoutS: 120, updateTimeoutS: 180 });
    expect(cmd).toBe(
      "DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install 'haproxy=3.2'\\''.*'",
    );
  });

  test('service: the init decides the command', () => {
    expect(commandsOf({ kind: 'service', name: 'haproxy', op: 'reload', init: 'systemd' })).toEqual(['systemctl reload haproxy']);
    expect(commandsOf({ kind: 'service', name: 'haproxy', op: 'start', init: 'sysv' })).toEqual(['service haproxy start']);
    expect(commandsOf({ kind: 'service', name: 'apache2', op: 'enable', init: 'sysv' })).toEqual(['update-rc.d apache2 defaults >/dev/null && update-rc.d apache2 enable']);
  });

  test('write: backup, pending marker, upload by hash, activation, settle', () => {
    expect(commandsOf(write)).toEqual([
      "mkdir -p /etc/haproxy/certs && if [ -f /etc/haproxy/certs/site.pem ] && [ ! -e /etc/haproxy/certs/site.pem.haforge-pending ]; then cp -p /etc/haproxy/certs/site.pem /etc/haproxy/certs/site.pem.haforge-bak; fi",
      ': > /etc/haproxy/certs/site.pem.haforge-pending',
      commandsOf(write)[2],
      'systemctl reload haproxy',
      'rm -f -- /etc/haproxy/certs/site.pem.haforge-pending',
    ]);
    // A secret's file: neither its size nor its hash (a fingerprint of the secret) on the command line.
    expect(commandsOf(write)[2]).toBe('upload /etc/haproxy/certs/site.pem (mode 0600 root:root, sensitive content)');
    expect(commandsOf({ ...write, sensitive: false })[2]).toMatch(/^upload \/etc\/haproxy\/certs\/site\.pem \(mode 0600 root:root, 11 bytes, sha256 [0-9a-f]{64}\)$/);
    expect(commandsOf({ ...write, activateOnly: true })).toEqual(['systemctl reload haproxy', 'rm -f -- /etc/haproxy/certs/site.pem.haforge-pending']);
  });

  test('the --json view: typed, the hash instead of the content', () => {
    const v = viewOf(write);
    expect(v).toMatchObject({ kind: 'write', path: '/etc/haproxy/certs/site.pem', mode: '0600', sensitive: true, sha256: 'ab'.repeat(32), size: 11 });
    expect(v['activate']).toEqual({ kind: 'service', name: 'haproxy', op: 'reload', init: 'systemd', command: 'systemctl reload haproxy' });
    expect(JSON.stringify(v)).not.toContain('PRIVATE');
    expect(v.commands).toEqual(commandsOf(write));
  });

  test('secrets in planned commands are masked in reports', () => {
    const r = new Redactor();
    r.add('hunter2-secret');
    const run: Action = { kind: 'run', command: 'curl -u admin:hunter2-secret http://127.0.0.1/' };
    const report = r.redactDeep(jsonReport('up', { results: [{ host: 'h', recipe: 'r', step: 's', status: 'changed', durationMs: 1, commands: commandsOf(run), actions: [viewOf(run)] }], hosts: [], interrupted: false }, { dryRun: true, exitCode: 0, durationMs: 1 }));
    expect(JSON.stringify(report)).not.toContain('hunter2-secret');
    expect(report.results[0]!.commands).toEqual(['curl -u admin:******** http://127.0.0.1/']);
  });
});
