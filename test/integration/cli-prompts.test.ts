// Unattended never prompts; on a terminal, haforge asks. Through the real CLI (`node bin/haforge.mjs`):
//  - no TTY (stdin an open pipe that is never closed: where enquirer would hang), no CI, no --yes, no stats
//    password: exit 2 at once, naming HAFORGE_STATS_PASSWORD, and no connection (counting TCP listeners);
//  - a real terminal (tmux) with CI=true or --yes: still no prompt, exit 2; without them: the password is asked,
//    masked, and the run goes on;
//  - unknown host keys against a real sshd on 127.0.0.1: unattended exit 2 with the fingerprint and the flag,
//    no login tried; --accept-new-host-keys records it; on a terminal the fingerprint is shown, "n" stops the
//    run with nothing recorded, "y" records it and the run goes on (`run facts`: read-only).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { openTerminal, terminalEnv, type Terminal } from '../support/tmux.js';
import { countingListener } from '../support/counting-listener.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'haforge.mjs');
const execFileP = promisify(execFile);
const log = (line: string) => process.stderr.write(`[cli-prompts] ${line}\n`);

let dir: string;
const terminals: Terminal[] = [];

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The CLI with stdin an open pipe that is never written to nor closed, and a clean environment. */
function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), NO_COLOR: '1', LANG: 'C.UTF-8' };
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

function inventory(file: string, port: number, knownHosts: string, key = join(dir, 'key')): string {
  writeFileSync(
    file,
    [
      'ssh:',
      `  key: ${key}`,
      `  known_hosts: ${knownHosts}`,
      'groups:',
      '  lb:',
      '    hosts:',
      `      lb1: { address: 127.0.0.1, port: ${port} }`,
      '  web:',
      '    hosts:',
      `      web1: { address: 127.0.0.1, port: ${port} }`,
      '',
    ].join('\n'),
  );
  return file;
}

async function terminal(command: string, env: Record<string, string> = {}): Promise<Terminal> {
  const t = await openTerminal({ command, cwd: dir, env: terminalEnv({ HOME: join(dir, 'home'), ...env }) });
  terminals.push(t);
  return t;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-cli-prompts-'));
  mkdirSync(join(dir, 'home', '.ssh'), { recursive: true });
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cli-prompts', '-f', join(dir, 'key')]);
});

afterAll(async () => {
  for (const t of terminals) await t.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('unattended: a missing secret', () => {
  test('no TTY (stdin an open pipe), no CI, no --yes: exit 2 at once naming HAFORGE_STATS_PASSWORD, no connection', async () => {
    const l = await countingListener();
    try {
      const inv = inventory(join(dir, 'missing-secret.yaml'), l.port, join(dir, 'kh-none'));
      // What starting haforge costs on this machine (node, TypeScript, modules): a run that stops on a missing
      // inventory file, before any secret is looked at.
      const baseline = await cli(['up', '-i', join(dir, 'no-such-inventory.yaml')]);
      expect(baseline.code).toBe(2);
      const r = await cli(['up', '-i', inv]);
      log(`missing stats password: exit ${String(r.code)} in ${r.ms} ms (start-up alone: ${baseline.ms} ms)`);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe(
        'haforge: the stats page password is needed: set HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE (not asked: stdin is not a terminal)',
      );
      // "At once": it exited by itself (a prompt would hang here until the test's time limit) and connected nowhere.
      expect(l.accepted(), 'connections').toBe(0);
    } finally {
      await l.close();
    }
  });

  test('a real terminal with CI=true, or with --yes: no prompt either; exit 2 naming the variable, no connection', async () => {
    const l = await countingListener();
    try {
      const inv = inventory(join(dir, 'tty-unattended.yaml'), l.port, join(dir, 'kh-none'));
      const ci = await terminal(`node ${BIN} up -i ${inv}`, { CI: 'true' });
      const yes = await terminal(`node ${BIN} up -i ${inv} --yes`);
      const s1 = await ci.waitFor(/EXIT=\d+/);
      const s2 = await yes.waitFor(/EXIT=\d+/);
      expect(s1).toContain('HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE (not asked: CI is set)');
      expect(s1).toContain('EXIT=2');
      expect(s2).toContain('HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE (not asked: --yes was given)');
      expect(s2).toContain('EXIT=2');
      expect(s1 + s2).not.toContain('?'); // no question was drawn
      expect(l.accepted(), 'connections').toBe(0);
    } finally {
      await l.close();
    }
  });

  test('a real terminal without CI or --yes: the password is asked, masked, and the run goes on', async () => {
    const l = await countingListener();
    try {
      const inv = inventory(join(dir, 'tty-asked.yaml'), l.port, join(dir, 'kh-none'));
      const t = await terminal(`node ${BIN} up -i ${inv}`);
      const asked = await t.waitFor(/The stats page password \(HAFORGE_STATS_PASSWORD is not set\)/);
      expect(l.accepted(), 'nothing before the answer').toBe(0);
      expect(asked).not.toContain('EXIT=');
      const secret = 'typed-Stats-Secret-42';
      await t.typeSecret(secret);
      await t.waitFor(/\*{21}/); // one * per character
      await t.keys('Enter');
      const end = await t.waitFor(/EXIT=\d+/);
      // The listener is no sshd: every host fails to connect (exit 1) -- the run went on past the question.
      expect(end).toContain('EXIT=1');
      expect(end).toMatch(/lb1.*(connection|handshake|closed)/i);
      expect(end).not.toContain(secret);
      expect(l.accepted()).toBeGreaterThan(0);
    } finally {
      await l.close();
    }
  });
});

/** The key known_hosts holds for the sshd, as OpenSSH finds it: the line is hashed or plain depending on this
 * machine's HashKnownHosts (Debian's /etc/ssh/ssh_config says yes). */
const recorded = (kh: string, port: number) => execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${port}`, '-f', kh]).toString();

describe('unknown host keys (real sshd on 127.0.0.1)', () => {
  let sshd: SshdFixture;
  let fingerprint: string;
  const STATS_ENV = { HAFORGE_STATS_PASSWORD: 'host-key-test-Pw' };

  beforeAll(async () => {
    sshd = await startSshd();
    // The client key this test uses is the fixture's (root may log in with it).
    const { stdout } = await execFileP('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${sshd.hostKeyFile}.pub`]);
    fingerprint = stdout.split(' ')[1]!;
    expect(fingerprint).toMatch(/^SHA256:/);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const logins = () => (sshd.log().match(/Accepted publickey/g) ?? []).length;

  test('unattended: exit 2 with the fingerprint and --accept-new-host-keys, no login tried, nothing recorded', async () => {
    const kh = join(dir, 'kh-unattended');
    const inv = inventory(join(dir, 'hk-unattended.yaml'), sshd.port, kh, sshd.clientKeyFile);
    const before = logins();
    const r = await cli(['run', 'facts', '-i', inv], { ...STATS_ENV, CI: 'true' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`unknown host key (not in ${kh}): lb1 (127.0.0.1:${sshd.port}) ${fingerprint}.`);
    expect(r.stderr).toContain('run again with --accept-new-host-keys');
    expect(r.stderr).toContain('Nothing was changed.');
    expect(logins()).toBe(before);
    expect(() => readFileSync(kh)).toThrow();
  });

  test('--accept-new-host-keys records the key; the next run needs nothing', async () => {
    const kh = join(dir, 'kh-accept');
    const inv = inventory(join(dir, 'hk-accept.yaml'), sshd.port, kh, sshd.clientKeyFile);
    const r = await cli(['run', 'facts', '-i', inv, '--accept-new-host-keys'], { CI: 'true' });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(recorded(kh, sshd.port)).toContain(sshd.hostPublicKey.split(' ')[1]);
    const again = await cli(['run', 'facts', '-i', inv], { CI: 'true' });
    expect(again.code, again.stderr).toBe(0);
  });

  test('on a terminal: shown with the fingerprint; "n" stops with nothing recorded, "y" records it and runs', async () => {
    const kh = join(dir, 'kh-tty');
    const inv = inventory(join(dir, 'hk-tty.yaml'), sshd.port, kh, sshd.clientKeyFile);
    const question = new RegExp(`Unknown host key for lb1 \\(127\\.0\\.0\\.1:${sshd.port}\\): ${fingerprint.replace(/[+/]/g, '\\$&')}\\. Check it; trust it and record it in ${kh}\\?`);
    const before = logins();
    const no = await terminal(`node ${BIN} run facts -i ${inv}`);
    await no.waitFor(question);
    await no.type('n');
    await no.keys('Enter');
    const s = await no.waitFor(/EXIT=\d+/);
    expect(s).toContain(`haforge: host key not accepted: lb1 (127.0.0.1:${sshd.port}) ${fingerprint}. Nothing was changed.`);
    expect(s).toContain('EXIT=2');
    expect(logins()).toBe(before);
    expect(() => readFileSync(kh)).toThrow();

    const yes = await terminal(`node ${BIN} run facts -i ${inv}`);
    await yes.waitFor(question);
    await yes.type('y');
    await yes.keys('Enter');
    const s2 = await yes.waitFor(/EXIT=\d+/);
    expect(s2).toContain('EXIT=0');
    // lb1 and web1 share the address: one question for both.
    expect(s2.match(/Unknown host key for/g)).toHaveLength(1);
    expect(recorded(kh, sshd.port)).toContain(sshd.hostPublicKey.split(' ')[1]);
    expect(s2).toContain('RECAP');
  });
});
