// Issue 5, output quality:
//  - a long apt step shows progress (the current package or phase): in the plain line view (both suites) and in
//    the live task list on a real terminal (tmux), next to the step it belongs to;
//  - the recap has a line per host and per recipe with counts and durations;
//  - colours: on a terminal by default, none with NO_COLOR (nor in the line view, which NO_COLOR=1 also gets here).
// The long step is a real reinstall of apache2 on a web node (purged first), which the run itself restores.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { STATS_ENV, closeSsh, convergeDefault, e2eLabs, inHost, onEach, websOf } from '../support/e2e-lab.js';
import { REPO_ROOT, haforge, summary } from '../support/haforge-cli.js';
import { openTerminal, terminalEnv, type Terminal } from '../support/tmux.js';

const { labs, skip } = e2eLabs();
const BIN = `${REPO_ROOT}/bin/haforge.mjs`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** SGR colour codes (foreground 30-37, 90-97, 256/true colour). Bold and reset are not colours. */
const COLOUR = /\u001b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25])(?:;[0-9;]*)?m/;

async function purgeApache(lab: LabInfo, host: string): Promise<void> {
  await inHost(lab, host, 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q apache2 apache2-bin >/dev/null 2>&1; ! dpkg -s apache2 >/dev/null 2>&1');
}

describe.skipIf(Boolean(skip))('output: progress, recap, colours', () => {
  const terms: Terminal[] = [];
  beforeAll(async () => {
    await onEach(labs, (lab) => convergeDefault(lab));
  });
  afterAll(async () => {
    try {
      for (const t of terms) await t.kill();
      await onEach(labs, (lab) => convergeDefault(lab));
    } finally {
      await closeSsh();
    }
  });

  test('line view: apt progress while apache2 installs; recap per host and recipe with durations; no colour codes', async () => {
    await onEach(labs, async (lab) => {
      const web1 = websOf(lab)[0]!.name;
      await purgeApache(lab, web1);
      const r = await haforge(['up', '-i', lab.files.inventory, '--limit', web1], { env: STATS_ENV });
      expect(r.code, summary(r)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${web1} \\| apache-install › apache2 installed: changed`, 'm'));
      // Progress lines: "web1 | … <what apt is doing>", throttled, at least the first one.
      const progress = r.stdout.split('\n').filter((l) => l.startsWith(`${web1} | … `));
      expect(progress.length, r.stdout).toBeGreaterThan(0);
      expect(progress.join('\n')).toMatch(/unpacking|setting up|downloading|preparing|processing|selecting|reading/i);
      // Recap: the host, then each recipe, with counts and a duration.
      expect(r.stdout).toMatch(new RegExp(`^✔ ${web1} +ok=\\d+ changed=[1-9]\\d* failed=0 skipped=0 +\\d+\\.\\d+s$`, 'm'));
      expect(r.stdout).toMatch(/^ {4}system-update +ok=\d+ changed=\d+ failed=0 skipped=0 +\d+\.\d+s$/m);
      expect(r.stdout).toMatch(/^ {4}apache-install +ok=\d+ changed=[1-9]\d* failed=0 skipped=0 +\d+\.\d+s$/m);
      expect(r.stdout).toMatch(/^1 host\(s\), 0 failed; ok=\d+ changed=\d+ failed=0 skipped=0; \d+\.\d+s$/m);
      expect(r.stdout + r.stderr).not.toContain('\u001b'); // NO_COLOR=1 and not a terminal
    });
  });

  test('terminal view: the live task list shows apt progress beside the step; colours unless NO_COLOR', async () => {
    const lab = labs.find((l) => l.suite === 'bookworm') ?? labs[0]!;
    const web2 = websOf(lab)[1]!.name;
    await purgeApache(lab, web2);
    const t = await openTerminal({
      command: `node ${BIN} up -i ${lab.files.inventory} --limit ${web2}`,
      cwd: REPO_ROOT,
      env: terminalEnv(STATS_ENV),
    });
    terms.push(t);
    // Watch the screen while it runs, as a person would.
    const seen = new Set<string>();
    const t0 = Date.now();
    let screen = '';
    while (Date.now() - t0 < 300_000) {
      screen = await t.screen();
      for (const m of screen.matchAll(/› apache-install › apache2 installed · (.+)$/gm)) seen.add(m[1]!.trim());
      if (/EXIT=\d+/.test(screen)) break;
      await sleep(100);
    }
    expect(screen).toContain('EXIT=0');
    expect(seen.size, `progress lines seen under the task: ${[...seen].join(' | ')}`).toBeGreaterThan(0);
    expect([...seen].join('\n')).toMatch(/unpacking|setting up|downloading|preparing|processing|selecting/i);
    expect(COLOUR.test(await t.screen({ escapes: true })), 'colours on a terminal').toBe(true);

    const plain = await openTerminal({
      command: `node ${BIN} verify -i ${lab.files.inventory}`,
      cwd: REPO_ROOT,
      env: terminalEnv({ ...STATS_ENV, NO_COLOR: '1' }),
    });
    terms.push(plain);
    await plain.waitFor(/EXIT=\d+/, 120_000);
    const withEscapes = await plain.screen({ escapes: true });
    expect(withEscapes).toContain('RECAP');
    expect(withEscapes).toContain('EXIT=0');
    expect(COLOUR.test(withEscapes), `a colour code under NO_COLOR: ${JSON.stringify(COLOUR.exec(withEscapes)?.[0])}`).toBe(false);
  });
});
