// When haforge may ask a person, and the help texts. Never a prompt without a terminal on stdin, under CI or
// with --yes: enquirer would exit silently or hang there.
import { describe, expect, test } from 'vitest';
import { canPrompt, ciIsSet, interaction, noPromptReason } from '../../runner/cli/interaction.js';
import { helpText } from '../../runner/cli/help.js';
import { options, secrets } from '../../recipes/index.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };
const term = (over: Partial<{ stdin: { isTTY?: boolean }; stderr: { isTTY?: boolean }; env: NodeJS.ProcessEnv }> = {}) => ({
  stdin: tty,
  stderr: tty,
  env: {},
  ...over,
});

describe('prompting', () => {
  test('a terminal, no CI, no --yes: prompts', () => {
    expect(noPromptReason({ yes: false }, term())).toBeUndefined();
    const i = interaction({ yes: false }, term());
    expect(typeof i.prompt).toBe('function');
    expect(typeof i.confirm).toBe('function');
  });

  test.each([
    ['--yes', { yes: true }, term(), '--yes was given'],
    ['CI=true', { yes: false }, term({ env: { CI: 'true' } }), 'CI is set'],
    ['CI=1', { yes: false }, term({ env: { CI: '1' } }), 'CI is set'],
    ['stdin a pipe', { yes: false }, term({ stdin: pipe }), 'stdin is not a terminal'],
    ['stdin closed', { yes: false }, term({ stdin: {} }), 'stdin is not a terminal'],
    ['stderr a pipe', { yes: false }, term({ stderr: pipe }), 'stderr is not a terminal'],
  ])('%s: never prompts, and says why', (_name, o, t, reason) => {
    expect(canPrompt(o, t)).toBe(false);
    const i = interaction(o, t);
    expect(i.prompt).toBeUndefined();
    expect(i.confirm).toBeUndefined();
    expect(i.noPromptReason).toBe(reason);
  });

  test('CI=false, CI=0 and an empty CI are not CI', () => {
    for (const v of ['false', 'FALSE', '0', '']) expect(ciIsSet({ CI: v })).toBe(false);
    expect(ciIsSet({})).toBe(false);
    expect(ciIsSet({ CI: 'github' })).toBe(true);
  });
});

describe('help', () => {
  const main = helpText(undefined, options, secrets);
  test('--help shows the three ways in with examples, and every secret variable', () => {
    expect(main).toContain('haforge wizard');
    expect(main).toMatch(/HAFORGE_STATS_PASSWORD=\.\.\. haforge up -i prod\.yaml .*--yes/);
    expect(main).toContain('haforge run haproxy-config --limit lb');
    for (const s of secrets) expect(main).toContain(s.env);
    for (const o of options) expect(main).toContain(`--${o.name.replaceAll('_', '-')}`);
    expect(main).toContain('HAFORGE_SSH_PASSWORD');
    expect(main).toContain('HAFORGE_SUDO_PASSWORD');
    expect(main).toContain('NO_COLOR');
  });
  test.each(['up', 'run', 'check', 'verify', 'list', 'wizard', 'lab'])('help %s has examples and the three ways', (topic) => {
    const t = helpText(topic, options, secrets);
    expect(t.startsWith(`haforge ${topic}`)).toBe(true);
    expect(t).toMatch(/\n {2}haforge|\n {2}HAFORGE_|\n {2}npm/);
    expect(t).toContain('guided:');
    expect(t).toContain('unattended:');
    expect(t).toContain('single recipe:');
  });
  test('an unknown topic says so and shows the main help', () => {
    const t = helpText('nosuch', options, secrets);
    expect(t.split('\n')[0]).toBe('(no help on "nosuch"; topics: up, run, check, verify, status, failover, list, wizard, lab, keeper)');
    expect(t).toContain('Usage: haforge [COMMAND] [OPTIONS]');
  });
});
