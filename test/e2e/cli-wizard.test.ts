// Issue 5, the wizard as a person uses it: a real terminal (tmux) runs `haforge wizard` against the lab (Debian
// 12), keys typed one answer at a time: a wrong address and a wrong key file are asked again with the reason, the
// sudo and stats passwords are typed masked (never on the screen), the host keys are shown with their fingerprint
// and accepted, the live run converges, the inventory is saved. Then the saved inventory with the printed
// unattended command reproduces the run: 0 changed.
//
// HOME is a fresh folder: no known_hosts (so the host keys are unknown and asked), no default key.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { STATS_PASSWORD, closeSsh, convergeDefault, e2eLabs, lbOf, scratch, websOf } from '../support/e2e-lab.js';
import { REPO_ROOT } from '../support/haforge-cli.js';
import { openTerminal, terminalEnv, type Terminal } from '../support/tmux.js';

const { labs, skip } = e2eLabs();
const BIN = path.join(REPO_ROOT, 'bin', 'haforge.mjs');
const execFileP = promisify(execFile);
const log = (line: string) => process.stderr.write(`[cli-wizard e2e] ${line}\n`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The SHA256 fingerprint of each lab host's key, from the lab's own known_hosts (the truth to compare with). */
async function fingerprints(lab: LabInfo): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const h of lab.hosts) {
    const { stdout } = await execFileP('ssh-keygen', ['-l', '-E', 'sha256', '-F', h.address, '-f', lab.files.knownHosts]);
    const fp = /SHA256:\S+/.exec(stdout)?.[0];
    if (!fp) throw new Error(`no key for ${h.address} in ${lab.files.knownHosts}`);
    out.set(h.name, fp);
  }
  return out;
}

describe.skipIf(Boolean(skip))('wizard on a real terminal, then its unattended command', () => {
  const lab = labs.find((l) => l.suite === 'bookworm') ?? labs[0]!;
  let dir: { dir: string; remove(): Promise<void> };
  let term: Terminal | undefined;
  const sudoPassword = () => readFileSync(lab.files.sudoPassword, 'utf8').trim();

  beforeAll(async () => {
    dir = await scratch('wizard');
    mkdirSync(path.join(dir.dir, 'home'), { recursive: true });
    await convergeDefault(lab);
  });

  afterAll(async () => {
    try {
      await term?.kill();
      await convergeDefault(lab); // leave the shared lab on the default variant
    } finally {
      await closeSsh();
      await dir?.remove();
    }
  });

  test('guided setup end to end, then the saved inventory + printed command: 0 changed', async () => {
    const home = path.join(dir.dir, 'home');
    const lb = lbOf(lab);
    const [web1, web2] = websOf(lab);
    const fps = await fingerprints(lab);
    const t0 = Date.now();
    term = await openTerminal({ command: `node ${BIN} wizard`, cwd: dir.dir, env: terminalEnv({ HOME: home }) });
    const t = term;
    /** Waits for the question to be the one asked now (enquirer draws it as "? QUESTION"). */
    const question = (q: string | RegExp) => t.waitFor(new RegExp(`^\\? ${typeof q === 'string' ? esc(q) : q.source}`, 'm'), 60_000);
    const answered = (q: string) => t.waitFor(new RegExp(`^✔ ${esc(q)}`, 'm'));
    const clear = async (n: number) => t.keys(...Array<string>(n).fill('BSpace'));

    await question('Inventory');
    await t.keys('Enter'); // build one now

    // A wrong address: re-asked with the reason, then corrected.
    await question('Load balancer address');
    const wrong = `${lab.subnet}.300`;
    await t.type(wrong);
    await t.keys('Enter');
    await t.waitFor(new RegExp(`"${esc(wrong)}" is not an IP address or a DNS name`));
    await clear(wrong.length);
    await t.type(lb.address);
    await t.keys('Enter');
    await answered('Load balancer address');

    await question('Web node 1 address');
    await t.type(web1!.address);
    await t.keys('Enter');
    await question('Web node 2 address');
    await t.type(web2!.address);
    await t.keys('Enter');
    await question('Web node 3 address');
    await t.keys('Enter'); // done

    await question('SSH user');
    await t.type('admin');
    await t.keys('Enter');
    await question('SSH login');
    await t.keys('Enter'); // key file (no agent in this environment)

    // A wrong key file: re-asked with the reason.
    await question('Private key file');
    const missing = path.join(dir.dir, 'no-such-key');
    await t.type(missing);
    await t.keys('Enter');
    await t.waitFor(new RegExp(`no such file: ${esc(missing)}`));
    await clear(missing.length);
    await t.type(lab.files.key);
    await t.keys('Enter');
    await answered('Private key file');

    // The sudo password, masked.
    await question('Sudo password of admin');
    await t.typeSecret(sudoPassword());
    await t.waitFor(new RegExp(`Sudo password of admin.*\\*{${sudoPassword().length}}`));
    await t.keys('Enter');

    await question('Where HAProxy comes from');
    await t.keys('Enter'); // Debian's
    await question('Session persistence');
    await t.keys('Down', 'Down', 'Enter'); // cookie (inserted)
    await answered('Session persistence');
    await question('Keep-alive');
    await t.type('y');
    await question('HTTPS');
    await t.type('n');
    await question('PHP on the web nodes');
    await t.type('n');
    await question('Stats user');
    await t.keys('Enter'); // admin
    await question('Stats page password');
    await t.keys('Enter'); // type one
    await question(/Stats password(?! again)/);
    await t.typeSecret(STATS_PASSWORD);
    await t.keys('Enter');
    await question('Stats password again');
    await t.typeSecret(STATS_PASSWORD);
    await t.keys('Enter');

    const summary = await question('Run the setup now?');
    expect(summary).toMatch(new RegExp(`load balancer +${esc(lb.address)}`));
    expect(summary).toMatch(new RegExp(`web nodes \\(2\\) +${esc(web1!.address)}, ${esc(web2!.address)}`));
    expect(summary).toMatch(new RegExp(`login +admin, key ${esc(lab.files.key)}, sudo with password`));
    expect(summary).toMatch(/persistence +cookie \(inserted\): HAProxy adds a SERVERID cookie/);
    expect(summary).toMatch(/keep-alive +on/);
    await t.type('y');

    // Unknown host keys: one question each, in inventory order, with the fingerprint the lab recorded.
    for (const name of ['lb1', 'web1', 'web2']) {
      const host = lab.hosts.find((h) => h.name === name)!;
      await question(`Unknown host key for ${name} (${host.address}:22): ${fps.get(name)!}. Check it; trust it and record it in ${home}/.ssh/known_hosts?`);
      await t.type('y');
    }

    await question('Save the inventory for later unattended runs');
    await t.type('y');
    await question('Save as');
    await t.keys('Enter'); // haforge.yaml in the working directory
    const end = await t.waitFor(/EXIT=\d+/, 300_000);
    log(`wizard finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    expect(end).toContain('EXIT=0');
    expect(end).toMatch(/3 host\(s\), 0 failed; ok=\d+ changed=\d+ failed=0 skipped=0/);
    // The passwords were typed, never shown: not on the screen, not in the scrollback.
    expect(end).not.toContain(sudoPassword());
    expect(end).not.toContain(STATS_PASSWORD);
    // The end: saved inventory, the unattended command, the URLs.
    const saved = path.join(dir.dir, 'haforge.yaml');
    expect(end).toContain(`saved ${saved}`);
    expect(end).toMatch(new RegExp(`Site: +http://${esc(lb.address)}/\\n`));
    expect(end).toMatch(new RegExp(`Stats page: +http://${esc(lb.address)}/stats {2}\\(user admin\\)`));
    expect(end).toMatch(/HAFORGE_SUDO_PASSWORD +sudo password of admin/);
    expect(end).toMatch(/HAFORGE_STATS_PASSWORD +the stats page password/);
    const yaml = readFileSync(saved, 'utf8');
    expect(yaml).not.toContain(sudoPassword());
    expect(yaml).not.toContain(STATS_PASSWORD);
    expect(existsSync(path.join(home, '.ssh', 'known_hosts'))).toBe(true);

    const command = /^ {2}(node \S+ up -i .* --yes)$/m.exec(end)?.[1];
    expect(command, 'the unattended command').toBeDefined();
    expect(command).toBe(
      `node ${BIN} up -i ${saved} --persistence cookie-insert --keep-alive --no-https --no-php --stats-user admin --haproxy-source distro --yes`,
    );

    // Unattended, exactly as printed (no terminal, CI set), the variables set as the wizard said.
    const t1 = Date.now();
    const again = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('sh', ['-c', command!], {
        cwd: dir.dir,
        env: { ...terminalEnv({ HOME: home, CI: 'true', NO_COLOR: '1' }), HAFORGE_SUDO_PASSWORD: sudoPassword(), HAFORGE_STATS_PASSWORD: STATS_PASSWORD },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    log(`unattended re-run in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/3 host\(s\), 0 failed; ok=\d+ changed=0 failed=0 skipped=0/);
    expect(again.out).not.toContain(sudoPassword());
    expect(again.out).not.toContain(STATS_PASSWORD);
  });
});
