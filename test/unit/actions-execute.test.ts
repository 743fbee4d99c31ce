// Plans as data: an action run on a "host" that is a local shell in a temp folder, behind the recording
// transport. What the transport recorded as apply is exactly what the plan (commandsOf) listed, uploads as their
// hash; a failed validation leaves the file alone; a failed activation restores the backup and activates it.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createHostContext } from '../../runner/engine/host-context.js';
import { clusterView } from '../../runner/engine/cluster.js';
import { commandsOf, executeActions, type Action } from '../../runner/engine/actions/index.js';
import { file } from '../../runner/engine/primitives/file.js';
import { command } from '../../runner/engine/primitives/command.js';
import { recordingRemote } from '../../runner/transport/recording.js';
import type { HostSpec, Inventory } from '../../runner/inventory/types.js';
import type { Remote } from '../../runner/transport/types.js';
import { Redactor } from '../../runner/report/redact.js';

const host = { name: 'h1', address: '192.0.2.1', port: 22, user: 'root', auth: { kind: 'agent' }, sudo: false, groups: ['web'], vars: {} } as HostSpec;
const inventory: Inventory = { file: '<test>', hosts: [host], groups: { web: ['h1'] }, vars: {}, warnings: [] };
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A local shell as the host; uploads written in place with their mode. Recorded to `log` through the transport. */
function localHost(redact = (t: string) => t) {
  const dir = mkdtempSync(join(tmpdir(), 'haforge-actions-'));
  dirs.push(dir);
  const shell: Remote = {
    name: 'h1', isRoot: true,
    run: async (cmd) => {
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, encoding: 'utf8' });
      return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: null };
    },
    upload: async (path, content, opts) => {
      writeFileSync(path, content);
      chmodSync(path, opts?.mode ?? 0o644);
    },
    close: async () => undefined,
  };
  const logFile = join(dir, 'record.log');
  const remote = recordingRemote(shell, logFile, redact);
  const h = createHostContext({ remote, spec: host, cluster: clusterView(inventory, [host], {}, new Map()), overrides: {}, secrets: {}, dryRun: false });
  const recorded = (phase = 'apply') =>
    readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith(`h1 ${phase} `)).map((l) => l.slice(`h1 ${phase} `.length));
  return { dir, h, remote, logFile, recorded };
}

async function planOf(h: ReturnType<typeof localHost>['h'], step: ReturnType<typeof file>): Promise<Action[]> {
  const c = await step.check(h);
  if (c.state !== 'change') throw new Error(`expected a change, got ${c.state}`);
  return c.actions;
}

describe('actions: what runs is what the plan says', () => {
  test('a validated, activated write: the recorded apply commands are the plan, in order; reads are apart', async () => {
    const { dir, h, recorded } = localHost();
    const path = join(dir, 'conf', 'app.cfg');
    const step = file({ path, content: 'port 80\n', mode: 0o640, validate: 'grep -q port {}', activate: () => ({ kind: 'run', command: 'echo reloaded >> reloads' }) });
    const actions = await planOf(h, step);
    expect(actions.map((a) => a.kind)).toEqual(['write']);
    const planned = actions.flatMap(commandsOf);
    expect(await executeActions(h, actions)).toEqual({ changed: true });
    expect(recorded()).toEqual(planned);
    expect(planned.some((c) => c.startsWith(`upload ${path} (mode 0640, 8 bytes, sha256 `))).toBe(true);
    expect(recorded('read').length, 'the check read the file').toBeGreaterThan(0);
    expect(readFileSync(path, 'utf8')).toBe('port 80\n');
    expect((statSync(path).mode & 0o777).toString(8)).toBe('640');
    expect(readFileSync(join(dir, 'reloads'), 'utf8')).toBe('reloaded\n');
    expect(existsSync(`${path}.haforge-pending`), 'settled once activated').toBe(false);
    // Converged: the same step plans nothing now.
    expect((await step.check(h)).state).toBe('ok');
  });

  test('a failed validation leaves the file as it was', async () => {
    const { dir, h } = localHost();
    const path = join(dir, 'app.cfg');
    writeFileSync(path, 'old\n');
    const actions = await planOf(h, file({ path, content: 'bad\n', mode: 0o644, validate: 'grep -q port {}' }));
    await expect(executeActions(h, actions)).rejects.toThrow(/validation failed, .* left unchanged/);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });

  test('a failed activation restores the backup and activates that', async () => {
    const { dir, h } = localHost();
    const path = join(dir, 'app.cfg');
    writeFileSync(path, 'good\n');
    // The "service" refuses a config that says bad, like a reload of a broken config.
    const activate = () => ({ kind: 'run' as const, command: `grep -q good ${path} && echo ok >> reloads` });
    const actions = await planOf(h, file({ path, content: 'bad\n', mode: 0o644, activate }));
    await expect(executeActions(h, actions)).rejects.toThrow(/the previous file was restored and reloaded/);
    expect(readFileSync(path, 'utf8')).toBe('good\n');
    expect(readFileSync(join(dir, 'reloads'), 'utf8')).toBe('ok\n');
  });

  test('a bookkeeping run is no change; a command is one', async () => {
    const { h, recorded } = localHost();
    expect(await executeActions(h, [{ kind: 'run', command: 'touch stamp', bookkeeping: true }])).toEqual({ changed: false });
    const c = await command({ name: 'x', run: 'touch made', creates: 'made' }).check(h);
    expect(c.state === 'change' && (await executeActions(h, c.actions))).toEqual({ changed: true });
    expect(recorded()).toEqual(['touch stamp', 'touch made']);
    // A step whose whole plan is bookkeeping (left out of dry runs) is recorded apart from changes.
    expect(await executeActions(h, [{ kind: 'run', command: 'touch stamp2', bookkeeping: true }], 'bookkeeping')).toEqual({ changed: false });
    expect(recorded('bookkeeping')).toEqual(['touch stamp2']);
    expect(await command({ name: 'x', run: 'touch made', creates: 'made' }).check(h)).toEqual({ state: 'ok' });
  });

  test('the recording is 0600, logs uploads by hash only, and passes the redaction', async () => {
    const r = new Redactor();
    r.add('s3cret-value');
    const { dir, h, logFile } = localHost((t) => r.redact(t));
    const path = join(dir, 'key.pem');
    const actions = await planOf(h, file({ path, content: 'PRIVATE s3cret-value\n', mode: 0o600, sensitive: true }));
    await executeActions(h, [...actions, { kind: 'run', command: 'echo s3cret-value > /dev/null' }]);
    const log = readFileSync(logFile, 'utf8');
    expect((statSync(logFile).mode & 0o777).toString(8)).toBe('600');
    expect(log).not.toContain('s3cret-value');
    expect(log).not.toContain('PRIVATE');
    expect(log).toContain('h1 apply echo ******** > /dev/null');
    expect(log).toMatch(/h1 apply upload \S+key\.pem \(mode 0600, sensitive content\)/);
  });
});

describe('live activation (a runtime API instead of a reload, issue 17)', () => {
  const live = (command: string) => ({ kind: 'live' as const, what: 'add server b', command, fallback: { kind: 'run' as const, command: 'echo reloaded >> reloads' } });

  test('told the content before and after; the plan says live; no fallback when the live change works', async () => {
    const { dir, h, recorded } = localHost();
    const path = join(dir, 'app.cfg');
    writeFileSync(path, 'server a\n');
    const seen: unknown[] = [];
    const step = file({ path, content: 'server a\nserver b\n', mode: 0o644, activate: (_h, change) => (seen.push(change), live('echo live >> applied')) });
    const c = await step.check(h);
    if (c.state !== 'change') throw new Error('expected a change');
    expect(seen).toEqual([{ before: 'server a\n', after: 'server a\nserver b\n' }]);
    expect(c.note).toBe('content; applied live, no reload: add server b');
    const planned = c.actions.flatMap(commandsOf);
    expect(await executeActions(h, c.actions)).toEqual({ changed: true });
    expect(recorded()).toEqual(planned);
    expect(readFileSync(join(dir, 'applied'), 'utf8')).toBe('live\n');
    expect(existsSync(join(dir, 'reloads')), 'no reload').toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('server a\nserver b\n');
  });

  test('a failed live change falls back to the reload with the new file; a failed fallback restores the old file', async () => {
    const { dir, h } = localHost();
    const path = join(dir, 'app.cfg');
    writeFileSync(path, 'old\n');
    await executeActions(h, await planOf(h, file({ path, content: 'new\n', mode: 0o644, activate: () => live('exit 1') })));
    expect(readFileSync(join(dir, 'reloads'), 'utf8')).toBe('reloaded\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    // A reload that works only with the old file: the new one is refused, the old one back and reloaded.
    const broken = { ...live('exit 1'), fallback: { kind: 'run' as const, command: `[ "$(cat app.cfg)" = new ] && echo restored >> reloads` } };
    const step = file({ path, content: 'newer\n', mode: 0o644, activate: () => broken });
    await expect(executeActions(h, await planOf(h, step))).rejects.toThrow(/live change failed .* and so did its fallback.*the previous file was restored and reloaded/);
    expect(readFileSync(join(dir, 'reloads'), 'utf8')).toBe('reloaded\nrestored\n');
    expect(readFileSync(path, 'utf8'), 'the previous file is back').toBe('new\n');
  });
});
