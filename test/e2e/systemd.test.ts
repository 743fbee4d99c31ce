// haforge's systemd path on the shared systemd labs (Debian 12 and 13): units enabled and active after up,
// a change reloaded by `systemctl reload` with HAProxy's master kept, a reload that fails rolled back with the
// service still active, and a unit that fails to start reported with the first lines of its journal.
import { afterAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { cli, closeSsh, configHash, convergeDefault, e2eLabs, haproxyPids, inHost, lbOf, onEach, sshRun, websOf } from '../support/e2e-lab.js';
import { summary, withStatus } from '../support/haforge-cli.js';

const { labs: all, skip } = e2eLabs();
const labs = all.filter((l) => l.init === 'systemd');

const mainPid = async (lab: LabInfo, unit: string) => (await sshRun(lab, lbOf(lab).name, `systemctl show -p MainPID --value ${unit}`)).trim();

describe.skipIf(Boolean(skip) || labs.length === 0)('systemd hosts: the systemd path (bookworm and trixie)', () => {
  afterAll(async () => {
    await onEach(labs, (lab) => convergeDefault(lab)); // the shared labs back on the default variant
    await closeSsh();
  });

  test('up: units enabled and active, PID 1 is systemd; a second run changes nothing', async () => {
    await onEach(labs, async (lab) => {
      await convergeDefault(lab);
      const again = await cli(lab, ['up']);
      expect(again.code, summary(again)).toBe(0);
      expect(withStatus(again.report!, 'changed')).toEqual([]);
      const lb = lbOf(lab).name;
      expect((await sshRun(lab, lb, 'cat /proc/1/comm; systemctl is-enabled haproxy; systemctl is-active haproxy')).split('\n')).toEqual(['systemd', 'enabled', 'active', '']);
      for (const w of websOf(lab)) {
        expect(await sshRun(lab, w.name, 'systemctl is-enabled apache2; systemctl is-active apache2')).toBe('enabled\nactive\n');
      }
    });
  });

  test('a config change is reloaded with systemctl reload: master kept, a new worker', async () => {
    await onEach(labs, async (lab) => {
      const lb = lbOf(lab).name;
      const reloads = async () => Number(await sshRun(lab, lb, 'journalctl -u haproxy -o cat --no-pager | grep -c "^Reloaded" || true'));
      const [master, pids, before] = [await mainPid(lab, 'haproxy'), await haproxyPids(lab), await reloads()];
      const dry = await cli(lab, ['run', 'haproxy-config', '--dry-run'], ['--persistence', 'source']);
      // The dry run's plan (the JSON report's commands) names the reload that the real run then makes.
      const planned = dry.report!.results.flatMap((x) => x.commands ?? []);
      // (After the server states are saved for the new process: `...; systemctl reload haproxy`.)
      expect(planned.some((c) => /(^|; )systemctl reload '?haproxy'?$/.test(c)), planned.join('\n')).toBe(true);
      const r = await cli(lab, ['run', 'haproxy-config'], ['--persistence', 'source']);
      expect(r.code, summary(r)).toBe(0);
      expect(withStatus(r.report!, 'changed').length).toBeGreaterThan(0);
      expect(await mainPid(lab, 'haproxy')).toBe(master);
      expect(await haproxyPids(lab)).not.toEqual(pids);
      expect(await reloads()).toBe(before + 1);
    });
  });

  test('a reload that fails: the previous file is put back and reloaded, the service stays active', async () => {
    await onEach(labs, async (lab) => {
      const lb = lbOf(lab).name;
      const [master, hash] = [await mainPid(lab, 'haproxy'), await configHash(lab)];
      // The unit's ExecReload checks the live file (`haproxy -Ws -c -q`) before signalling the master: make that
      // check fail once, so only the reload fails (haforge's own check of the copy still passes).
      await inHost(lab, lb, [
        'mv /usr/sbin/haproxy /usr/sbin/haproxy.real',
        "cat > /usr/sbin/haproxy <<'EOF'",
        '#!/bin/sh',
        'case " $* " in *" -Ws "*" -c "*) if [ -e /run/fail-next-reload ]; then rm -f /run/fail-next-reload; echo "[ALERT] (test) reload refused" >&2; exit 1; fi;; esac',
        'exec /usr/sbin/haproxy.real "$@"',
        'EOF',
        'chmod 755 /usr/sbin/haproxy && touch /run/fail-next-reload',
      ].join('\n'));
      try {
        const r = await cli(lab, ['run', 'haproxy-config'], ['--persistence', 'cookie-insert']);
        expect(r.code, summary(r)).toBe(1);
        const failed = r.report!.results.filter((x) => x.status === 'failed');
        expect(failed.map((x) => x.message).join('\n')).toMatch(/the previous file was restored and reloaded/);
      } finally {
        await inHost(lab, lb, 'mv -f /usr/sbin/haproxy.real /usr/sbin/haproxy; rm -f /run/fail-next-reload');
      }
      expect(await configHash(lab)).toBe(hash);
      expect(await sshRun(lab, lb, 'systemctl is-active haproxy')).toBe('active\n');
      expect(await mainPid(lab, 'haproxy')).toBe(master);
    });
  });

  test('a unit that fails to start: reported with the first lines of its journal, then recovered', async () => {
    await onEach(labs, async (lab) => {
      const web = websOf(lab)[0]!.name;
      await inHost(lab, web, 'systemctl stop apache2');
      // Port 80 held by a listener of ours (perl is in every Debian): apache2 cannot bind, its unit fails.
      const holder = (await inHost(lab, web, `perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalPort => 80, Listen => 1, ReuseAddr => 1) or die; sleep 600' >/dev/null 2>&1 & echo $!`)).trim();
      try {
        const r = await cli(lab, ['run', 'apache-install'], ['-l', web]);
        expect(r.code, summary(r)).toBe(1);
        const failed = r.report!.results.filter((x) => x.status === 'failed').map((x) => `${x.step}: ${x.message}`);
        // The step fails with the unit's own words (its journal's lines where systemd kept them).
        expect(failed, failed.join('\n')).toHaveLength(1);
        expect(failed[0], failed[0]).toMatch(/^service apache2 running and enabled: .*apache2/);
      } finally {
        await inHost(lab, web, `kill ${holder}`);
      }
      const again = await cli(lab, ['run', 'apache-install'], ['-l', web]);
      expect(again.code, summary(again)).toBe(0);
      expect(await sshRun(lab, web, 'systemctl is-active apache2')).toBe('active\n');
    });
  });
});
