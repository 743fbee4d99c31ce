// Issue 6, secrets and access, proven by looking, on a lab of this file's own (Debian 13):
//  - host key checking is on by default: an unknown key is refused with its fingerprint and the flag;
//  - a full `up` that logs in by SSH password and uses sudo with a password, with --verbose: none of the
//    secrets (SSH/sudo password, stats password, private key) in the output, in any process command line
//    sampled on this machine and on every host during the run, or in any file on the hosts; the stats password
//    is on the LB only as a crypt hash; --json, failing runs (wrong passwords) and their errors: same;
//  - every variant (persistence modes, php, keep-alive, https), dry run, --verbose and --json, kept connections:
//    the same search, and every file written meanwhile in this machine's temp and the lab's state folders;
//  - file modes: haproxy.cfg 0640 root:haproxy, the TLS key 0600, upload temps created 0600 and removed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { labDown, labExec, labUp, type LabInfo } from '../../runner/lab/index.js';
import { connect } from '../../runner/transport/index.js';
import { ownLabName, scratch } from '../support/e2e-lab.js';
import { haforge, summary } from '../support/haforge-cli.js';
import { inHost, leftovers, machineCmdlines, startHaforge } from '../support/haforge-live.js';

const skip = inject('labSkip') ?? '';
const NAME = ownLabName('sc');
const log = (line: string) => process.stderr.write(`[secrets e2e] ${line}\n`);

let lab: LabInfo;
let work: { dir: string; remove(): Promise<void> };
/** The admin user's password: its SSH password and its sudo password. */
let password: string;
const STATS = `Stats-${randomBytes(6).toString('hex')}`;
/** A line from the middle of the lab's private key (its secret part). */
let keyMaterial: string;
let byPassword: string;

const addr = (host: string) => lab.hosts.find((h) => h.name === host)!.address;
const secrets = () => ({ 'the SSH/sudo password': password, 'the stats password': STATS, 'the private key': keyMaterial });

function expectNoSecret(text: string, where: string): void {
  for (const [what, s] of Object.entries(secrets())) expect(text.includes(s), `${what} found in ${where}`).toBe(false);
}

/** Files on a host that contain any secret (grep reads the patterns from stdin: never in a command line). */
async function filesWithSecrets(host: string): Promise<string[]> {
  const r = await labExec(lab, host, 'grep -rlF -f - /etc /var /root /home /tmp /srv /opt /usr/local 2>/dev/null; true', {
    stdin: `${Object.values(secrets()).join('\n')}\n`,
    timeoutMs: 120_000,
  });
  return r.stdout.split('\n').filter(Boolean);
}

/** Samples every process command line on each host (and upload temps with their modes) until stopped. */
async function startHostSamplers(): Promise<() => Promise<Map<string, string>>> {
  const loop =
    'rm -f /run/sampler.stop; nohup sh -c \'while [ ! -e /run/sampler.stop ]; do ' +
    'for f in /proc/[0-9]*/cmdline; do tr "\\000" " " < $f 2>/dev/null; echo; done; ' +
    'find /etc/haproxy /var/www/html /home/admin /root /tmp /var/tmp -name ".haforge-*" -printf "TEMP %m %u %p\\n" 2>/dev/null; ' +
    "sleep 0.05; done' > /run/sampler.log 2>&1 &";
  for (const h of lab.hosts) await inHost(lab, h.name, loop);
  return async () => {
    const logs = new Map<string, string>();
    for (const h of lab.hosts) {
      await inHost(lab, h.name, 'touch /run/sampler.stop; sleep 0.3');
      logs.set(h.name, await inHost(lab, h.name, 'cat /run/sampler.log; rm -f /run/sampler.log /run/sampler.stop'));
    }
    return logs;
  };
}

/** Samples this machine's process command lines every 25 ms until stopped. */
function startMachineSampler(): () => Set<string> {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const c of machineCmdlines().values()) seen.add(c);
  }, 25);
  return () => {
    clearInterval(timer);
    return seen;
  };
}

const haforgeTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith('haforge-cert-'));

describe.skipIf(Boolean(skip))('secrets and access (own lab)', () => {
  beforeAll(async () => {
    await labDown(NAME);
    lab = await labUp({ name: NAME, suite: 'trixie', web: 2, log: (l) => log(l) });
    work = await scratch('secrets');
    password = readFileSync(lab.files.sudoPassword, 'utf8').trim();
    const key = readFileSync(lab.files.key, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
    keyMaterial = key[Math.floor(key.length / 2)]!;
    // admin logs in by password (not the lab's key) and becomes root with sudo and the same password.
    byPassword = path.join(work.dir, 'admin-password.yaml');
    writeFileSync(byPassword, readFileSync(lab.files.inventoryAdmin, 'utf8').replace(/^ {2}key: .*$/m, '  password_env: HAFORGE_SSH_PASSWORD'));
  });

  afterAll(async () => {
    await work?.remove();
    await labDown(NAME);
  });

  test('host key checking is on by default: an unknown key is refused with its fingerprint and the flag', async () => {
    const emptyKnown = path.join(work.dir, 'known_hosts');
    writeFileSync(emptyKnown, '');
    const inv = path.join(work.dir, 'unknown-keys.yaml');
    writeFileSync(inv, readFileSync(lab.files.inventory, 'utf8').replace(/^ {2}known_hosts: .*$/m, `  known_hosts: ${emptyKnown}`));
    const r = await haforge(['run', 'facts', '-i', inv, '--json']);
    // Unattended, every unknown key is named before anything is done: exit 2, nothing changed.
    expect(r.code, summary(r)).toBe(2);
    expect(r.report!.error).toContain(`unknown host keys (not in ${emptyKnown})`);
    expect(r.report!.error).toContain('--accept-new-host-keys');
    for (const h of lab.hosts) {
      const fp = /SHA256:\S+/.exec(execFileSync('ssh-keygen', ['-l', '-F', h.address, '-f', lab.files.knownHosts]).toString())![0];
      expect(r.report!.error).toContain(`${h.name} (${h.address}:22) ${fp}`);
    }
    expect(r.report!.results).toEqual([]);
    expect(readFileSync(emptyKnown, 'utf8'), 'nothing recorded without the flag').toBe('');
    // With the flag: trust on first use, recorded, the same keys the lab knows.
    const ok = await haforge(['run', 'facts', '-i', inv, '--json', '--accept-new-host-keys']);
    expect(ok.code, summary(ok)).toBe(0);
    const recorded = readFileSync(emptyKnown, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1, 3).join(' ')).sort();
    const lab3 = readFileSync(lab.files.knownHosts, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1, 3).join(' ')).sort();
    expect(recorded).toEqual(lab3);
  });

  test('a full run by SSH password + sudo password, --verbose: no secret in output, command lines or files', async () => {
    const tempsBefore = haforgeTemps();
    const stopHosts = await startHostSamplers();
    const stopMachine = startMachineSampler();
    const live = startHaforge(['up', '-i', byPassword, '--verbose'], {
      HAFORGE_SSH_PASSWORD: password,
      HAFORGE_SUDO_PASSWORD: password,
      HAFORGE_STATS_PASSWORD: STATS,
    });
    const done = await live.done;
    const machine = stopMachine();
    const hosts = await stopHosts();
    expect(done.code, done.stdout.slice(-3000) + done.stderr).toBe(0);

    // Output, verbose included (every command haforge ran is in it).
    expect(done.stdout).toMatch(/\| \$ .*apt-get/);
    expectNoSecret(done.stdout + done.stderr, 'the output');
    // Command lines on this machine, sampled during the run (haforge itself and what it started).
    expect([...machine].some((c) => c.includes('bin/haforge.mjs')), 'the sampler saw haforge').toBe(true);
    expectNoSecret([...machine].join('\n'), "this machine's command lines");
    // Command lines on the hosts: the sampler saw haforge's sudo-wrapped commands, never a secret.
    for (const [host, text] of hosts) {
      expect(text, `${host} sampler`).toMatch(/sudo -S -k -H -p \S+ -- sh -c/);
      expectNoSecret(text, `${host}'s command lines`);
      // Upload temps seen while they existed: written 0600 (root, or admin while staged in its home); just
      // before the rename, the target's own mode. Nothing under /etc/haproxy is ever readable by others.
      for (const m of text.matchAll(/^TEMP (\d+) (\S+) (\S+)$/gm)) {
        expect(`${m[1]} ${m[2]} ${m[3]}`).toMatch(m[3]!.startsWith('/etc/haproxy/') ? /^6[04]0 root / : /^(600 |644 root )/);
      }
    }
    // Files: nothing on any host holds a secret; no temp is left; nothing left in this machine's temp dir.
    for (const h of lab.hosts) expect(await filesWithSecrets(h.name), h.name).toEqual([]);
    expect(await leftovers(lab)).toEqual([]);
    expect(haforgeTemps()).toEqual(tempsBefore);

    // The stats password is on the LB as a SHA-512 crypt hash, and that hash is of the password.
    const cfg = await inHost(lab, 'lb1', 'cat /etc/haproxy/haproxy.cfg');
    expect(cfg).not.toMatch(/stats auth/);
    const hash = /^\s*user admin password (\$6\$[^$]+\$\S+)$/m.exec(cfg)![1]!;
    const salt = hash.split('$')[2]!;
    expect(execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${STATS}\n` }).toString().trim()).toBe(hash);
    // Modes: the config 0640 root:haproxy; a backup that holds the hash no wider.
    expect(await inHost(lab, 'lb1', 'stat -c "%a %U %G" /etc/haproxy/haproxy.cfg')).toBe('640 root haproxy\n');
    const backup = await inHost(lab, 'lb1', 'if grep -q "password" /etc/haproxy/haproxy.cfg.haforge-bak 2>/dev/null; then stat -c "%a %U %G" /etc/haproxy/haproxy.cfg.haforge-bak; fi');
    if (backup) expect(backup).toBe('640 root haproxy\n');
  });

  test('every variant, dry run and up, by password + sudo, with kept connections: no secret in output, command lines or files (hosts, this machine\'s temp and state folders)', async () => {
    const env = { HAFORGE_SSH_PASSWORD: password, HAFORGE_SUDO_PASSWORD: password, HAFORGE_STATS_PASSWORD: STATS };
    const variants = [['--persistence', 'cookie-insert'], ['--persistence', 'cookie-prefix', '--php'], ['--persistence', 'source'], ['--keep-alive'], ['--https'], []];
    const since = path.join(work.dir, 'since');
    writeFileSync(since, '');
    const stopHosts = await startHostSamplers();
    const stopMachine = startMachineSampler();
    const outputs: string[] = [];
    let machine = new Set<string>();
    let hosts = new Map<string, string>();
    try {
      for (const flags of variants) {
        for (const mode of [['--dry-run', '--verbose'], ['--verbose'], ['--json']]) {
          const r = await haforge(['up', '-i', byPassword, '--keep-connections', '30', ...flags, ...mode], { env });
          // A dry run's verify sees the cluster before the change (HTTPS not there yet): it may fail; its words count.
          expect(mode[0] === '--dry-run' ? [0, 1] : [0], `up ${[...flags, ...mode].join(' ')}: ${summary(r)}`).toContain(r.code);
          outputs.push(r.stdout + r.stderr);
        }
      }
    } finally {
      machine = stopMachine();
      hosts = await stopHosts();
    }
    expect(outputs.join('\n'), 'the verbose runs printed their commands').toMatch(/\| \$ upload \/etc\/haproxy\/haproxy\.cfg/);
    outputs.forEach((o, k) => expectNoSecret(o, `the output of run ${k + 1}`));
    expect([...machine].some((c) => c.includes('bin/haforge.mjs')), 'the sampler saw haforge').toBe(true);
    expectNoSecret([...machine].join('\n'), "this machine's command lines");
    for (const [host, text] of hosts) {
      expect(text, `${host} sampler`).toMatch(/sudo -S -k -H -p \S+ -- sh -c/);
      expectNoSecret(text, `${host}'s command lines`);
    }
    for (const h of lab.hosts) expect(await filesWithSecrets(h.name), h.name).toEqual([]);
    expect(await leftovers(lab)).toEqual([]);
    // This machine: every file written during these runs under its temp folder (kept-connection sockets,
    // certificate temps, anything else), and the lab's state folder, holds no secret. The lab's own sudo password
    // and private key files are the expected hits; a canary holding the stats password shows the search finds one.
    const canary = path.join(tmpdir(), `hf-canary-${randomBytes(4).toString('hex')}`);
    writeFileSync(canary, `x ${STATS} y\n`);
    const roots = [tmpdir(), lab.stateDir, ...(process.env.XDG_RUNTIME_DIR ? [process.env.XDG_RUNTIME_DIR] : [])];
    const written = execFileSync('sh', ['-c', 'since=$1; shift; find "$@" -xdev -type f -size -8M -newer "$since" -print0 2>/dev/null; true', 'sh', since, ...roots])
      .toString()
      .split('\0')
      .filter((f) => f && f !== lab.files.sudoPassword && f !== lab.files.key);
    const found = written.filter((f) => {
      const text = (() => {
        try {
          return readFileSync(f, 'latin1');
        } catch {
          return ''; // gone since, or a socket
        }
      })();
      return Object.values(secrets()).some((x) => text.includes(x));
    });
    rmSync(canary);
    expect(found, 'files on this machine holding a secret (besides the canary)').toEqual([canary]);
  });

  test('--json, and runs that fail on a wrong password: no secret in the report or the error messages', async () => {
    const env = { HAFORGE_SSH_PASSWORD: password, HAFORGE_SUDO_PASSWORD: password, HAFORGE_STATS_PASSWORD: STATS };
    const json = await haforge(['up', '-i', byPassword, '--json'], { env });
    expect(json.code, summary(json)).toBe(0);
    expect(json.report!.hosts.map((h) => h.counts.changed)).toEqual([0, 0, 0]);
    expectNoSecret(json.stdout + json.stderr, 'the --json report');

    const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
    const cases: [string, string[], Record<string, string>][] = [
      ['wrong SSH password', ['run', 'facts', '-i', byPassword, '--verbose'], { ...env, HAFORGE_SSH_PASSWORD: wrong }],
      ['wrong SSH password, --json', ['run', 'facts', '-i', byPassword, '--json'], { ...env, HAFORGE_SSH_PASSWORD: wrong }],
      ['wrong sudo password', ['run', 'facts', '-i', lab.files.inventoryAdmin, '--verbose'], { ...env, HAFORGE_SUDO_PASSWORD: wrong }],
      ['wrong sudo password, --json', ['run', 'facts', '-i', lab.files.inventoryAdmin, '--json'], { ...env, HAFORGE_SUDO_PASSWORD: wrong }],
      ['wrong stats password (verify)', ['verify', '-i', lab.files.inventory, '--verbose'], { HAFORGE_STATS_PASSWORD: wrong }],
    ];
    for (const [name, args, e] of cases) {
      const r = await haforge(args, { env: e });
      expect(r.code, `${name}: ${summary(r)}`).toBe(1);
      expect(r.stdout + r.stderr, name).toMatch(/authentication failed|wrong password|HTTP 401/);
      expect((r.stdout + r.stderr).includes(wrong), `${name}: the wrong password was printed`).toBe(false);
      expectNoSecret(r.stdout + r.stderr, name);
      expect(r.stderr, name).not.toMatch(/^\s+at .*\.(ts|js):\d+/m); // no stack trace
    }
  });

  test('HTTPS: the TLS key is 0600 root, never shown (not in --verbose, nor in a dry run diff)', async () => {
    // (The dry run's verify looks at the cluster as it is, without HTTPS yet: it may fail; only its output matters.)
    const dry = await haforge(['check', '-i', lab.files.inventory, '--https', '--verbose'], { env: { HAFORGE_STATS_PASSWORD: STATS } });
    expect(dry.stdout).toMatch(/TLS certificate \/etc\/haproxy\/certs\/site\.pem/);
    expect(dry.stdout).not.toMatch(/PRIVATE KEY/);
    const r = await haforge(['up', '-i', lab.files.inventory, '--https', '--verbose'], { env: { HAFORGE_STATS_PASSWORD: STATS } });
    expect(r.code, summary(r)).toBe(0);
    expect(await inHost(lab, 'lb1', 'stat -c "%a %U %G" /etc/haproxy/certs/site.pem')).toBe('600 root root\n');
    const pem = await inHost(lab, 'lb1', 'cat /etc/haproxy/certs/site.pem');
    const tlsKey = pem.split('\n').filter((l) => l && !l.startsWith('-----')).slice(-3, -2)[0]!;
    expect(pem).toMatch(/PRIVATE KEY/);
    for (const out of [dry.stdout + dry.stderr, r.stdout + r.stderr]) {
      expect(out.includes(tlsKey)).toBe(false);
      expect(out).not.toMatch(/PRIVATE KEY/);
      expectNoSecret(out, 'https run output');
    }
    expect(await leftovers(lab)).toEqual([]);
    // Back to plain HTTP.
    expect((await haforge(['up', '-i', lab.files.inventory, '--json'], { env: { HAFORGE_STATS_PASSWORD: STATS } })).code).toBe(0);
  });

  test('upload temps are created 0600 (root beside the target, a sudo user in its home) and removed', async () => {
    const big = randomBytes(96 * 1024 * 1024);
    for (const who of ['root', 'admin'] as const) {
      const remote = await connect({
        name: 'lb1',
        address: addr('lb1'),
        port: 22,
        user: who,
        auth: { kind: 'key', keyFile: lab.files.key },
        sudoPassword: who === 'admin' ? password : undefined,
        knownHostsFile: lab.files.knownHosts,
        hostKeyPolicy: 'strict',
        connectTimeoutMs: 10_000,
      });
      const seen = new Set<string>();
      let uploading = true;
      const watch = (async () => {
        while (uploading) {
          const r = await labExec(lab, 'lb1', "find /var/tmp /home/admin -maxdepth 1 -name '.haforge-tmp-*' -printf '%m %u %p\\n' 2>/dev/null; true");
          for (const l of r.stdout.split('\n').filter(Boolean)) seen.add(l.replace(/\S+$/, (p) => path.dirname(p)));
        }
      })();
      try {
        await remote.upload('/var/tmp/probe.bin', big, { mode: 0o644 });
      } finally {
        uploading = false;
        await watch;
        await remote.close();
      }
      log(`${who}: temps seen during a 96 MB upload: ${[...seen].join(', ') || 'none'}`);
      // Written 0600 (SFTP creates it so); just before the rename a temp beside the target carries the target's
      // own mode (0644 here), never more.
      expect([...seen].filter((x) => x.startsWith('600 ')), `no 0600 temp seen while ${who} uploaded`).not.toEqual([]);
      for (const x of seen) expect(x, who).toMatch(/^(600|644 root \/var\/tmp$)/);
      expect(await inHost(lab, 'lb1', 'stat -c "%a %U %s" /var/tmp/probe.bin')).toBe(`644 root ${big.length}\n`);
      expect(await inHost(lab, 'lb1', "find /var/tmp /home/admin -name '.haforge-tmp-*'; rm -f /var/tmp/probe.bin")).toBe('');
    }
  });
});
