// Issue 6, faults during a run, on a lab of this file's own (hosts are broken on purpose: sshd stopped and
// killed, host keys changed, locks held, the haproxy binary wrapped), so the shared e2e labs are never
// disturbed. One story, in order — each test starts from the state the previous one left, which is the point:
// after every fault the next run must converge.
//
//  1. a host down before the run fails within the connect timeout, the rest converge, exit 1 (and a host
//     that does not answer at all is given up after --connect-timeout);
//  2. sshd killed in the middle of that host's apt install: the host fails cleanly ("connection lost"), no file
//     half-written; 3. the re-run converges (others 0 changed) and cleans upload temps left behind (once a
//     few minutes old: a younger one may be another run's upload in flight);
//  4. Ctrl-C: no new step starts, the ones in flight finish, recap, exit 130, nothing left behind;
//  5. the dpkg/apt locks held by another process: bounded wait then a message naming the lock; freed in time:
//     carries on;
//  6. an haproxy.cfg that fails validation, and a reload that fails: old config back, HAProxy serving
//     throughout (requests in a loop), failure reported;
//  7. a web node dies after setup: verify says DOWN, every request still answered (by the other node); the
//     next run starts it though its pid file was left behind; 7b. a start whose script fails but exits 0 is a failure;
//  8. a changed host key: refused with both fingerprints, and --accept-new-host-keys does not accept it;
//  9. a wrong SSH password and a wrong sudo password: one attempt each (counted on the hosts), clear message.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { labDown, labUp, type LabInfo } from '../../runner/lab/index.js';
import { ownLabName, scratch } from '../support/e2e-lab.js';
import { haforge, stepId, summary, type CliRun, type Report } from '../support/haforge-cli.js';
import { groupMembers, holdAptLocks, hostWorkers, inHost, LEFTOVER_FIND, leftovers, startHaforge } from '../support/haforge-live.js';
import { keepRequesting, request, servedBy } from '../support/lb-http.js';

// This file brings up its own lab; it only needs to know whether labs can run here at all.
const skip = inject('labSkip') ?? '';
// sysv hosts (tini + sshd, the init scripts): this file is where the legacy init path stays proved, including a
// start whose script says "Action 'start' failed" yet exits 0 (7b); the shared labs are systemd.
const NAME = ownLabName('ft');
const STATS = 'faults-Stats-Pw.9';
const ENV = { HAFORGE_STATS_PASSWORD: STATS };
const log = (line: string) => process.stderr.write(`[faults e2e] ${line}\n`);

let lab: LabInfo;
let inv: string;
let work: { dir: string; remove(): Promise<void> };
const addr = (host: string) => lab.hosts.find((h) => h.name === host)!.address;
const lbUrl = () => `http://${addr('lb1')}/`;
/** What haforge may make in this machine's temp dir (self-signed certificates): must be gone after a run. */
const haforgeTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith('haforge-cert-'));

async function run(args: string[], env: Record<string, string> = {}): Promise<CliRun & { report: Report }> {
  const r = await haforge([...args, '-i', inv, '--json'], { env: { ...ENV, ...env } });
  return r as CliRun & { report: Report };
}
const failedSteps = (r: Report, host?: string) => r.results.filter((x) => x.status === 'failed' && (!host || x.host === host));
const hostOf = (r: Report, host: string) => r.hosts.find((h) => h.host === host)!;

describe.skipIf(Boolean(skip))('faults during a run (own lab)', () => {
  beforeAll(async () => {
    await labDown(NAME); // leftovers of an interrupted earlier run
    lab = await labUp({ name: NAME, web: 2, init: 'sysv', log: (l) => log(l) });
    inv = lab.files.inventory;
    work = await scratch('faults');
    // sudo logs each attempt to a file (the lab has no syslog): the wrong-password test counts them there.
    for (const h of lab.hosts) {
      await inHost(lab, h.name, 'echo "Defaults logfile=/var/log/sudo-test.log" > /etc/sudoers.d/zz-test-log && chmod 440 /etc/sudoers.d/zz-test-log');
    }
  });

  afterAll(async () => {
    await work?.remove();
    await labDown(NAME);
  });

  test('1. a host down before the run: it fails at once, the others converge, exit 1, the recap says so', async () => {
    await inHost(lab, 'web2', 'service ssh stop >/dev/null');
    const r = await run(['up', '--connect-timeout', '5']);
    expect(r.code, summary(r)).toBe(1);
    const rep = r.report;
    // web2: one failed connect, refused (the port is closed), not timed out.
    expect(rep.results.filter((x) => x.host === 'web2')).toMatchObject([{ recipe: 'connect', step: 'connect', status: 'failed' }]);
    expect(failedSteps(rep, 'web2')[0]!.message).toMatch(/connection refused \(.+:22\)/);
    expect(hostOf(rep, 'web2')).toMatchObject({ status: 'failed', counts: { ok: 0, changed: 0, failed: 1, skipped: 0 } });
    // web1 converged; lb1 converged and its verify tells the truth: web2 is DOWN.
    expect(failedSteps(rep, 'web1')).toEqual([]);
    expect(hostOf(rep, 'web1').status).toBe('changed');
    expect(failedSteps(rep, 'lb1').map(stepId)).toEqual(['lb1 verify › stats page shows every web node UP']);
    expect(failedSteps(rep, 'lb1')[0]!.message).toMatch(/web2 DOWN/);
    expect(rep.results.filter((x) => x.host === 'lb1' && x.recipe === 'haproxy-config' && x.status === 'changed')).not.toEqual([]);
    // The balancer serves meanwhile, from web1.
    expect(servedBy((await request(lbUrl())).body)).toBe('web1');
  });

  test('1b. a host that does not answer at all is given up after --connect-timeout', async () => {
    // eth0 down inside web2: the SYN goes nowhere (no refusal to come back).
    await inHost(lab, 'web2', 'ip link set eth0 down');
    try {
      const r = await run(['run', 'facts', '-l', 'web2', '--connect-timeout', '3']);
      expect(r.code, summary(r)).toBe(1);
      const f = failedSteps(r.report, 'web2')[0]!;
      expect(f.message).toMatch(/connect timed out after 3s|host unreachable/);
    } finally {
      await inHost(lab, 'web2', 'ip link set eth0 up');
    }
  });

  test('2. sshd killed during the host\'s apt install: the host fails cleanly, the others finish, no half-written file', async () => {
    await inHost(lab, 'web2', 'service ssh start >/dev/null');
    const live = startHaforge(['up', '-i', inv, '--connect-timeout', '5'], ENV);
    // Wait until dpkg unpacks apache on web2 (a process on the host, not a line of ours), then kill every sshd.
    let unpacking = false;
    for (let i = 0; i < 2400 && !unpacking; i++) {
      const p = await inHost(lab, 'web2', "pgrep -f '^/usr/bin/dpkg .*--unpack' >/dev/null && echo yes; true");
      unpacking = p.trim() === 'yes';
      if (!unpacking) await new Promise((ok) => setTimeout(ok, 100));
    }
    expect(unpacking, 'web2 never got to unpack packages').toBe(true);
    await inHost(lab, 'web2', 'kill -9 $(pidof sshd)');
    const done = await live.done;
    const out = done.stdout;
    expect(done.code, out + done.stderr).toBe(1);
    // (apt on web2 is either upgrading or installing apache2 at that moment: both are apt-get.)
    expect(out).toMatch(/^web2 \| (system-update|apache-install) › .*: failed .*connection to web2 was lost while a command was running \(apt-get\)/m);
    // The others finished: web1 had nothing to do, lb1 too apart from verify (web2 is DOWN: the truth).
    expect(out).toMatch(/^✔ web1 +ok=\d+ changed=0 failed=0 skipped=0/m);
    expect(out).toMatch(/^✖ lb1 +ok=\d+ changed=0 failed=1 skipped=0/m);
    expect(out).toMatch(/stats page shows every web node UP: not every web node is UP: web2 DOWN/);
    expect(out).toMatch(/^✖ web2 .* failed=1/m);
    // Nothing half-written: every file haforge manages is whole (uploads are temp + rename).
    await inHost(lab, 'lb1', 'haproxy -c -f /etc/haproxy/haproxy.cfg >/dev/null');
    const page = await inHost(lab, 'web2', 'cat /var/www/html/index.html 2>/dev/null; true');
    if (page) expect(page).toMatch(/<\/html>\s*$/);
  });

  test('3. the re-run converges: web2 done, the others 0 changed, temps left by a cut upload cleaned', async () => {
    await inHost(lab, 'web2', 'service ssh start >/dev/null');
    // An upload cut between its write and its rename leaves a temp beside the target; the kill above may
    // or may not have hit one, so plant what it would leave (beside files haforge manages on web1 and lb1),
    // to see the next run remove it.
    await inHost(lab, 'web1', 'echo half > /var/www/html/.haforge-tmp-0badc0ffee01');
    await inHost(lab, 'lb1', 'echo half > /etc/haproxy/.haforge-tmp-0badc0ffee02 && echo half > /etc/haproxy/haproxy.cfg.haforge-validate');
    // Leftovers are removed once a few minutes old (a younger one may be another run's upload in flight):
    // let those minutes pass for every temp there is, and plant one "in flight" that must stay.
    for (const h of ['lb1', 'web1', 'web2']) await inHost(lab, h, `${LEFTOVER_FIND} | xargs -r touch -d '-10 min'`);
    await inHost(lab, 'web1', 'echo flying > /var/www/html/.haforge-tmp-0f1y1n90000');
    // apt may still be finishing on web2 in the background (the kill cut our connection, not apt): the run
    // waits for its lock.
    const r = await run(['up']);
    expect(r.code, summary(r)).toBe(0);
    expect(hostOf(r.report, 'lb1').counts.changed).toBe(0);
    expect(hostOf(r.report, 'web1').counts.changed).toBe(0);
    expect(hostOf(r.report, 'web2').status).toMatch(/ok|changed/);
    expect(await leftovers(lab), 'the one in flight stays').toEqual(['web1:/var/www/html/.haforge-tmp-0f1y1n90000']);
    await inHost(lab, 'web1', 'rm /var/www/html/.haforge-tmp-0f1y1n90000');
    const again = await run(['up']);
    expect(again.report.hosts.map((h) => [h.host, h.counts.changed, h.counts.failed])).toEqual([
      ['lb1', 0, 0],
      ['web1', 0, 0],
      ['web2', 0, 0],
    ]);
  });

  test('4. Ctrl-C: no new step starts, steps in flight finish, recap, exit 130, nothing left behind', async () => {
    const tempsBefore = haforgeTemps();
    // Fresh lists wanted: every host starts with a real `apt-get update` (seconds), the step in flight.
    const live = startHaforge(['up', '-i', inv, '--apt-cache-valid-time', '0', '--verbose'], ENV);
    await live.waitFor(/\| \$ DEBIAN_FRONTEND=noninteractive apt-get .* update$/, 60_000);
    const sigint = Date.now() - live.started;
    live.child.kill('SIGINT');
    const done = await live.done;
    expect(done.code, done.stdout + done.stderr).toBe(130);
    expect(done.stderr).toMatch(/interrupted: no new steps will start/);
    expect(done.stdout).toMatch(/^RECAP$/m);
    expect(done.stdout).toMatch(/interrupted: no new steps were started/);
    // After the signal: at most the one step in flight per host ends, and no step after system-update runs.
    const stepLine = /^(\S+) \| (\S+) › .*: (ok|changed|failed|skipped) /;
    const after = live.lines.filter((l) => l.t > sigint && stepLine.test(l.text)).map((l) => stepLine.exec(l.text)!);
    for (const host of ['lb1', 'web1', 'web2']) expect(after.filter((m) => m[1] === host).length, host).toBeLessThanOrEqual(1);
    expect(after.every((m) => m[2] === 'system-update'), after.map((m) => m[0]).join('\n')).toBe(true);
    expect(done.stdout).not.toMatch(/^\S+ \| (apache-install|haproxy-\S+|verify) › /m);
    // The steps in flight finished (or never changed anything): nothing failed, nothing half-done.
    expect(done.stdout).not.toMatch(/: failed /);
    // Nothing left: no haforge work running on the hosts, no temp files, no child process on this machine.
    for (const h of lab.hosts) expect(await hostWorkers(lab, h.name), h.name).toEqual([]);
    expect(await leftovers(lab)).toEqual([]);
    expect(groupMembers(live.child.pid!), 'processes haforge started, still running').toEqual([]);
    expect(haforgeTemps()).toEqual(tempsBefore);
    // And the next run simply converges.
    const r = await run(['up']);
    expect(r.code, summary(r)).toBe(0);
  });

  test('5. the dpkg/apt locks held by another process: a bounded wait naming the lock; freed in time, it carries on', async () => {
    const holder = await holdAptLocks(lab, 'web1', 120);
    try {
      const r = await run(['run', 'system-update', '-l', 'web1', '--apt-cache-valid-time', '0', '--apt-lock-timeout', '4']);
      expect(r.code, summary(r)).toBe(1);
      const f = failedSteps(r.report, 'web1')[0]!;
      expect(f.message).toMatch(
        /apt lock \/var\/lib\/(apt\/lists|dpkg)\/lock\S* still busy after 4s \(held by process \d+ \(test-lock-hold\w*\)\); .*--apt-lock-timeout/,
      );
    } finally {
      await inHost(lab, 'web1', `kill ${holder}`);
    }
    // Held for 5 s, waited up to 60: it carries on once the holder is gone.
    await holdAptLocks(lab, 'web1', 5);
    const t0 = Date.now();
    const ok = await run(['run', 'system-update', '-l', 'web1', '--apt-cache-valid-time', '0', '--apt-lock-timeout', '60']);
    expect(ok.code, summary(ok)).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
  });

  test('6a. an haproxy.cfg that fails validation: nothing installed, no reload, served throughout, reported', async () => {
    expect((await run(['up', '--https'])).code).toBe(0);
    const pem = '/etc/haproxy/certs/site.pem';
    const saved = await inHost(lab, 'lb1', `base64 -w0 ${pem}`);
    const hashBefore = await inHost(lab, 'lb1', 'sha256sum /etc/haproxy/haproxy.cfg');
    const pidsBefore = await inHost(lab, 'lb1', 'pidof haproxy');
    // Someone broke the certificate on the LB: the next config (keep-alive on) cannot load it.
    await inHost(lab, 'lb1', `printf 'not a certificate\\n' > ${pem}`);
    const load = keepRequesting(`https://${addr('lb1')}/`);
    try {
      const r = await run(['run', 'haproxy-config', '--https', '--keep-alive']);
      expect(r.code, summary(r)).toBe(1);
      expect(failedSteps(r.report, 'lb1')[0]!.message).toMatch(/^validation failed, \/etc\/haproxy\/haproxy\.cfg left unchanged: .*(certificate|PEM|SSL)/i);
    } finally {
      const served = await load.stop();
      expect(served.failures).toEqual([]);
      expect(served.total).toBeGreaterThan(10);
      await inHost(lab, 'lb1', `echo ${saved} | base64 -d > ${pem}`);
    }
    expect(await inHost(lab, 'lb1', 'sha256sum /etc/haproxy/haproxy.cfg')).toBe(hashBefore);
    expect(await inHost(lab, 'lb1', 'pidof haproxy')).toBe(pidsBefore);
    expect(await leftovers(lab)).toEqual([]);
  });

  test('6b. a reload that fails: the old config is put back and reloaded, served throughout, reported', async () => {
    // No pre-check can see this one coming: the haproxy binary is wrapped so that the next reload's new
    // process exits at once (as when it cannot start); the check (-c) and later reloads work.
    const hashBefore = await inHost(lab, 'lb1', 'sha256sum /etc/haproxy/haproxy.cfg');
    await inHost(
      lab,
      'lb1',
      [
        'mv /usr/sbin/haproxy /usr/sbin/haproxy.real',
        "cat > /usr/sbin/haproxy <<'EOF'",
        '#!/bin/sh',
        'case " $* " in *" -sf "*) if [ -e /run/fail-next-reload ]; then rm -f /run/fail-next-reload; echo "[ALERT] (test) the new haproxy process could not start" >&2; exit 1; fi;; esac',
        'exec /usr/sbin/haproxy.real "$@"',
        'EOF',
        'chmod 755 /usr/sbin/haproxy && touch /run/fail-next-reload',
      ].join('\n'),
    );
    const load = keepRequesting(`https://${addr('lb1')}/`);
    try {
      const r = await run(['run', 'haproxy-config', '--https', '--keep-alive']);
      expect(r.code, summary(r)).toBe(1);
      expect(failedSteps(r.report, 'lb1')[0]!.message).toMatch(/the new haproxy process could not start.*; the previous file was restored and reloaded$/);
    } finally {
      const served = await load.stop();
      await inHost(lab, 'lb1', 'mv -f /usr/sbin/haproxy.real /usr/sbin/haproxy; rm -f /run/fail-next-reload');
      expect(served.failures).toEqual([]);
    }
    expect(await inHost(lab, 'lb1', 'sha256sum /etc/haproxy/haproxy.cfg')).toBe(hashBefore);
    expect(await leftovers(lab)).toEqual([]);
    // Back to plain HTTP for what follows (the https variant was only for these two tests).
    const back = await run(['up']);
    expect(back.code, summary(back)).toBe(0);
  });

  test('7. a web node dies after setup: verify says DOWN, the balancer keeps answering from the other node', async () => {
    const load = keepRequesting(lbUrl());
    await new Promise((ok) => setTimeout(ok, 500));
    await inHost(lab, 'web2', 'kill -9 $(pidof apache2)');
    try {
      const r = await run(['verify']);
      expect(r.code, summary(r)).toBe(1);
      expect(failedSteps(r.report, 'lb1')[0]!.message).toMatch(/not every web node is UP: web2 DOWN/);
      const nodes = new Set<string | undefined>();
      for (let i = 0; i < 6; i++) nodes.add(servedBy((await request(lbUrl())).body));
      expect([...nodes]).toEqual(['web1']);
    } finally {
      const served = await load.stop();
      expect(served.failures).toEqual([]);
    }
    // Killed, apache left its pid file behind (a PID that no longer runs): haforge sees it stopped and starts it.
    expect(await inHost(lab, 'web2', 'cat /run/apache2/apache2.pid')).toMatch(/^\d+/);
    const start = await run(['run', 'apache-install', '-l', 'web2']);
    expect(start.code, summary(start)).toBe(0);
    expect(start.report.results.filter((x) => x.status === 'changed').map(stepId)).toEqual(['web2 apache-install › service apache2 running and enabled']);
    const green = await run(['verify']);
    expect(green.code, summary(green)).toBe(0);
  });

  test('7b. a start that fails though its script exits 0 (port 80 taken): reported with its words, not "changed"', async () => {
    // A listener of our own on port 80 (perl is in every Debian), apache stopped: Debian's apache2 script says
    // "Action 'start' failed" and exits 0.
    await inHost(lab, 'web2', 'service apache2 stop >/dev/null');
    const holder = (await inHost(lab, 'web2', `perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalPort => 80, Listen => 1, ReuseAddr => 1) or die; sleep 600' >/dev/null 2>&1 & echo $!`)).trim();
    try {
      const r = await run(['run', 'apache-install', '-l', 'web2']);
      expect(r.code, summary(r)).toBe(1);
      expect(failedSteps(r.report, 'web2').map((x) => `${x.step}: ${x.message}`)).toEqual([
        expect.stringMatching(/^service apache2 running and enabled: apache2 is not running after its start \(it said: .*Action 'start' failed/),
      ]);
    } finally {
      await inHost(lab, 'web2', `kill ${holder}`);
    }
    const again = await run(['run', 'apache-install', '-l', 'web2']);
    expect(again.code, summary(again)).toBe(0);
    const green = await run(['verify']);
    expect(green.code, summary(green)).toBe(0);
  });

  test('8. a changed host key: refused with both fingerprints; --accept-new-host-keys does not accept it', async () => {
    const knownHosts = readFileSync(lab.files.knownHosts);
    const fp = (line: string) => /SHA256:\S+/.exec(line)![0];
    const known = fp(execFileSync('ssh-keygen', ['-l', '-F', addr('web1'), '-f', lab.files.knownHosts]).toString().split('\n').find((l) => l.includes('ED25519'))!);
    await inHost(lab, 'web1', 'mkdir -p /root/hostkeys && cp -p /etc/ssh/ssh_host_* /root/hostkeys/ && rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && service ssh restart >/dev/null');
    try {
      const offered = fp(await inHost(lab, 'web1', 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub'));
      expect(offered).not.toBe(known);
      for (const extra of [[], ['--accept-new-host-keys']]) {
        const r = await run(['run', 'facts', '-l', 'web1', ...extra]);
        expect(r.code, summary(r)).toBe(1);
        const m = failedSteps(r.report, 'web1')[0]!.message!;
        expect(m).toContain(`HOST KEY CHANGED for web1 (${addr('web1')}:22): known ${known}, offered ${offered}`);
        expect(m).toContain(`remove the old line from ${lab.files.knownHosts}`);
        expect(readFileSync(lab.files.knownHosts).equals(knownHosts), 'known_hosts untouched').toBe(true);
      }
    } finally {
      await inHost(lab, 'web1', 'cp -p /root/hostkeys/* /etc/ssh/ && service ssh restart >/dev/null');
    }
    expect((await run(['run', 'facts', '-l', 'web1'])).code).toBe(0);
  });

  test('9. a wrong SSH password and a wrong sudo password: one attempt each, a clear message', async () => {
    // The lab's admin logs in by key; this inventory makes it log in by password instead.
    const byPassword = path.join(work.dir, 'admin-password.yaml');
    writeFileSync(byPassword, readFileSync(lab.files.inventoryAdmin, 'utf8').replace(/^ {2}key: .*$/m, '  password_env: HAFORGE_SSH_PASSWORD'));
    const right = readFileSync(lab.files.sudoPassword, 'utf8').trim();
    for (const h of lab.hosts) await inHost(lab, h.name, ': > /var/log/btmp; : > /var/log/sudo-test.log');

    const ssh = await haforge(['run', 'facts', '-i', byPassword, '--json'], { env: { HAFORGE_SSH_PASSWORD: 'not-the-password', HAFORGE_SUDO_PASSWORD: right } });
    expect(ssh.code, summary(ssh)).toBe(1);
    for (const h of lab.hosts) {
      expect(failedSteps(ssh.report!, h.name)[0]!.message).toBe('authentication failed for user admin (password)');
      // sshd records each failed login in btmp: exactly one.
      const fails = await inHost(lab, h.name, "utmpdump /var/log/btmp 2>/dev/null | grep -c '\\[admin ' ; true");
      expect(Number(fails.trim()), `failed SSH logins on ${h.name}`).toBe(1);
    }

    const sudo = await haforge(['run', 'facts', '-i', lab.files.inventoryAdmin, '--json'], { env: { HAFORGE_SUDO_PASSWORD: 'not-the-password' } });
    expect(sudo.code, summary(sudo)).toBe(1);
    for (const h of lab.hosts) {
      expect(failedSteps(sudo.report!, h.name)[0]!.message).toBe(`sudo: wrong password for admin on ${h.name}`);
      // facts runs four commands at once: still one password attempt.
      const attempts = await inHost(lab, h.name, 'grep -o "[0-9]* incorrect password attempt" /var/log/sudo-test.log; true');
      expect(attempts.trim().split('\n'), `sudo attempts on ${h.name}`).toEqual(['1 incorrect password attempt']);
    }
    // With the right ones, both work.
    const good = await haforge(['run', 'facts', '-i', byPassword, '--json'], { env: { HAFORGE_SSH_PASSWORD: right, HAFORGE_SUDO_PASSWORD: right } });
    expect(good.code, summary(good)).toBe(0);
  });
});
