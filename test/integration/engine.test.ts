// The engine against a real OpenSSH server on 127.0.0.1: a generic recipe (file + command) converges, a second
// run reports 0 changed, a dry run shows a diff and touches nothing, a closed port fails within the connect
// timeout while the other hosts succeed, and the CLI's exit code and recap say so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startSshd, type SshdFixture } from '../support/sshd.js';
import { loadInventory } from '../../runner/inventory/index.js';
import { execute } from '../../runner/engine/executor.js';
import { command, file } from '../../runner/engine/primitives/index.js';
import type { Recipe } from '../../runner/engine/types.js';
import { connector } from '../../runner/cli/connect.js';

const execFileP = promisify(execFile);
let sshd: SshdFixture;
let dir: string;
let closedPort: number;

async function inventory(hosts: { name: string; group: 'lb' | 'web'; port: number }[]): Promise<string> {
  const group = (g: string) =>
    `  ${g}:\n    hosts:\n` + hosts.filter((h) => h.group === g).map((h) => `      ${h.name}: { address: 127.0.0.1, port: ${h.port} }\n`).join('');
  const path = join(dir, `inv-${hosts.length}-${Date.now()}.yaml`);
  await writeFile(path, `ssh:\n  user: root\n  key: ${sshd.clientKeyFile}\n  known_hosts: ${sshd.knownHostsFile}\ngroups:\n${group('lb')}${group('web')}`);
  return path;
}

/** A generic recipe: a file per host in the test's temp dir, and a guarded command. Each "host" (all are this
 * machine) writes in a folder of its own, as real hosts would: a file step's read clears upload temps left in its
 * folder by an earlier cut run, and would take another host's upload in flight if they shared one. */
function recipes(content: string): Recipe[] {
  return [
    {
      name: 'demo-file',
      summary: 'a file with content and mode',
      roles: ['all'],
      steps: (h) => [
        file({ path: join(dir, h.name, 'out.txt'), content, mode: 0o640 }),
        command({ name: 'marker', run: `touch ${join(dir, `marker-${h.name}`)}`, creates: join(dir, `marker-${h.name}`) }),
      ],
    },
  ];
}

beforeAll(async () => {
  sshd = await startSshd();
  dir = await mkdtemp(join(tmpdir(), 'haforge-engine-'));
  closedPort = await freePort();
});
afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('executor over real SSH', () => {
  it('converges, then a second run reports 0 changed; a dry run changes nothing', async () => {
    const inv = loadInventory(await inventory([{ name: 'lb1', group: 'lb', port: sshd.port }, { name: 'web1', group: 'web', port: sshd.port }]));
    const run = (content: string, dryRun = false) =>
      execute({
        recipes: recipes(content), hosts: inv.hosts, inventory: inv, concurrency: 4, dryRun,
        connect: connector({ inventory: inv, secrets: { recipe: {}, byEnv: {} }, policy: 'strict', connectTimeoutS: 5 }),
      });
    const first = await run('hello\n');
    const failed = first.results.filter((r) => r.status === 'failed').map((r) => `${r.host} ${r.step}: ${r.message}`);
    expect(first.hosts.map((h) => h.status), failed.join('; ')).toEqual(['changed', 'changed']);
    expect(first.results.filter((r) => r.status === 'changed')).toHaveLength(4);
    expect((await stat(join(dir, 'lb1', 'out.txt'))).mode & 0o777).toBe(0o640);

    const second = await run('hello\n');
    expect(second.results.every((r) => r.status === 'ok')).toBe(true);
    expect(second.hosts.every((h) => h.counts.changed === 0)).toBe(true);

    const dry = await run('changed\n', true);
    const diff = dry.results.find((r) => r.host === 'lb1' && r.step.startsWith('file'));
    expect(diff?.status).toBe('changed');
    expect(diff?.diff).toContain('-hello');
    expect(diff?.diff).toContain('+changed');
    expect(await readFile(join(dir, 'lb1', 'out.txt'), 'utf8')).toBe('hello\n');
  });
});

describe('CLI over real SSH', () => {
  it('a closed port fails within the connect timeout while the other hosts succeed: exit 1, recap shows both', async () => {
    const path = await inventory([
      { name: 'lb1', group: 'lb', port: sshd.port },
      { name: 'web1', group: 'web', port: sshd.port },
      { name: 'web2', group: 'web', port: closedPort },
    ]);
    const r = await execFileP('node', ['bin/haforge.mjs', 'run', 'facts', '-i', path, '--connect-timeout', '3', '--json'], {
      env: { ...process.env, CI: 'true' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect('code' in r ? r.code : 0).toBe(1);
    const report = JSON.parse(r.stdout) as { exitCode: number; hosts: { host: string; status: string; error?: string }[] };
    expect(report.exitCode).toBe(1);
    expect(report.hosts.map((h) => [h.host, h.status])).toEqual([['lb1', 'ok'], ['web1', 'ok'], ['web2', 'failed']]);
    expect(report.hosts[2]!.error, 'refused at once, not the connect timeout').toMatch(/refused|unreachable/i);

    // The human recap says the same.
    const text = await execFileP('node', ['bin/haforge.mjs', 'run', 'facts', '-i', path, '--connect-timeout', '3'], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    }).catch((e: { code: number; stdout: string }) => e);
    expect(text.stdout).toMatch(/✔ lb1\s+ok=1 changed=0 failed=0/);
    expect(text.stdout).toMatch(/✖ web2\s+ok=0 changed=0 failed=1/);
    expect(text.stdout).toContain('3 host(s), 1 failed');
  });

  it('a second run of the same recipes reports 0 changed (JSON report)', async () => {
    const path = await inventory([{ name: 'lb1', group: 'lb', port: sshd.port }, { name: 'web1', group: 'web', port: sshd.port }]);
    const r = await execFileP('node', ['bin/haforge.mjs', 'run', 'facts', '-i', path, '--json'], { env: { ...process.env, CI: 'true' } });
    const report = JSON.parse(r.stdout) as { exitCode: number; results: { status: string }[] };
    expect(report.exitCode).toBe(0);
    expect(report.results.every((x) => x.status === 'ok')).toBe(true);
  });
});
