// Issue 5, unattended with every secret in the environment, on Debian 12 and 13 at once, as the sudo user
// (admin: every command goes through sudo with the password on stdin) and with a new stats password (hashed by
// the local openssl, read from stdin):
//  - the full run passes (no terminal, CI set): exit 0, verify ok;
//  - no secret appears in what it printed (the JSON report, then the text output with --verbose), nor in the
//    command line of any process, on this machine or on the hosts, sampled over and over while the run is in
//    flight (/proc/*/cmdline; on the hosts /proc/*/environ too).
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labExec, type LabInfo } from '../../runner/lab/index.js';
import { closeSsh, convergeDefault, e2eLabs, onEach } from '../support/e2e-lab.js';
import { haforge, summary, type CliRun } from '../support/haforge-cli.js';

const { labs, skip } = e2eLabs();
const log = (line: string) => process.stderr.write(`[cli-secrets e2e] ${line}\n`);

/** Every process's command line on this machine, NUL turned to space. */
async function localCmdlines(): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  const lines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`).then((b) => b.toString('utf8').replaceAll('\0', ' '), () => '')));
  return lines.filter(Boolean);
}

/** Every process's command line and environment inside a lab host, read from the machine side (no SSH). */
const HOST_SAMPLE = 'for p in /proc/[0-9]*; do tr "\\000" " " < $p/cmdline 2>/dev/null; echo; tr "\\000" " " < $p/environ 2>/dev/null; echo; done';

interface Sampled {
  local: number;
  remote: number;
  /** Host samples taken while haforge's SSH session (sshd: admin, sshd-session: admin) was open: proof they overlap the run. */
  sessionSeen: number;
  /** Host samples that caught a command running through sudo. */
  sudoSeen: number;
  haforgeSeen: number;
  leaks: string[];
}

/** Runs `work` while sampling command lines locally and on every host of the lab; collects any secret seen. */
async function sampling(lab: LabInfo, secrets: string[], work: () => Promise<CliRun>): Promise<{ run: CliRun; s: Sampled }> {
  const s: Sampled = { local: 0, remote: 0, sessionSeen: 0, sudoSeen: 0, haforgeSeen: 0, leaks: [] };
  let running = true;
  const check = (where: string, text: string) => {
    for (const secret of secrets) if (text.includes(secret)) s.leaks.push(`${where}: ${text.split('\n').find((l) => l.includes(secret))!.slice(0, 300)}`);
  };
  const local = (async () => {
    while (running) {
      const lines = await localCmdlines();
      s.local++;
      if (lines.some((l) => l.includes('bin/haforge.mjs up'))) s.haforgeSeen++;
      for (const l of lines) check('machine', l);
    }
  })();
  const remote = lab.hosts.map(async (h) => {
    while (running) {
      const r = await labExec(lab, h.name, HOST_SAMPLE, { timeoutMs: 10_000 });
      s.remote++;
      if (/^sshd(-session)?: admin/m.test(r.stdout)) s.sessionSeen++; // sshd-session since OpenSSH 9.8 (Debian 13)
      if (/sudo -S -k/.test(r.stdout)) s.sudoSeen++;
      check(h.name, r.stdout);
    }
  });
  try {
    return { run: await work(), s };
  } finally {
    running = false;
    await Promise.all([local, ...remote]);
  }
}

describe.skipIf(Boolean(skip))('unattended, secrets in the environment, sampled while the run is in flight (bookworm and trixie)', () => {
  beforeAll(async () => {
    await onEach(labs, (lab) => convergeDefault(lab));
  });
  afterAll(async () => {
    try {
      await onEach(labs, (lab) => convergeDefault(lab)); // back to the shared stats password and default variant
    } finally {
      await closeSsh();
    }
  });

  test('the full run passes as the sudo user; no secret in the output, the report, or any command line', async () => {
    await onEach(labs, async (lab) => {
      const sudo = readFileSync(lab.files.sudoPassword, 'utf8').trim();
      const stats = `stats-${randomBytes(9).toString('base64url')}`;
      const env = { HAFORGE_SUDO_PASSWORD: sudo, HAFORGE_STATS_PASSWORD: stats, CI: 'true' };
      const secrets = [sudo, stats];

      // 1. --json: a variant change and a new stats password, so haproxy-config rehashes and rewrites the file.
      const first = await sampling(lab, secrets, () =>
        haforge(['up', '-i', lab.files.inventoryAdmin, '--persistence', 'source', '--json'], { env }),
      );
      expect(first.run.code, summary(first.run)).toBe(0);
      const report = first.run.report!;
      expect(report.exitCode).toBe(0);
      expect(report.results.filter((r) => r.recipe === 'haproxy-config' && r.status === 'changed').length).toBeGreaterThan(0);
      expect(report.results.filter((r) => r.recipe === 'verify').every((r) => r.status === 'ok')).toBe(true);

      // 2. Text with --verbose (every remote command shown): back to the default variant, the same password.
      const second = await sampling(lab, secrets, () => haforge(['up', '-i', lab.files.inventoryAdmin, '--verbose'], { env }));
      expect(second.run.code, summary(second.run)).toBe(0);
      expect(second.run.stdout).toMatch(/^lb1 \| \$ .*haproxy/m); // commands are shown...
      expect(second.run.stdout).toContain('RECAP');

      for (const out of [first.run.stdout, first.run.stderr, JSON.stringify(report), second.run.stdout, second.run.stderr]) {
        for (const secret of secrets) expect(out).not.toContain(secret); // ...and no secret in any of it
      }
      for (const { s } of [first, second]) {
        // Runs with the built CLI are short (the no-op second one well under a second): few samples fit in them.
        const least = s === first.s ? 1 : 0;
        expect(s.leaks, 'secrets seen in a command line or environment').toEqual([]);
        expect(s.local, 'local samples').toBeGreaterThan(least);
        expect(s.remote, 'host samples').toBeGreaterThan(least);
        expect(s.haforgeSeen, 'haforge itself seen by the local sampler').toBeGreaterThan(0);
        expect(s.sessionSeen, 'host samples taken during haforge\'s SSH sessions').toBeGreaterThan(least);
      }
      log(
        `${lab.name}: samples local ${first.s.local}+${second.s.local}, hosts ${first.s.remote}+${second.s.remote}, ` +
          `during the SSH sessions ${first.s.sessionSeen}+${second.s.sessionSeen}, with a sudo command ${first.s.sudoSeen + second.s.sudoSeen}; runs ${first.run.ms} ms and ${second.run.ms} ms`,
      );
    });
  });
});
