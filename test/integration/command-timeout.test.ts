// Lower (c) of issue 21: every remote command has a time limit (--command-timeout, default 600 s), so a hung
// host never hangs the run. Against the real sshd: a step whose command sleeps far longer than the limit fails
// with a message naming the limit and the flag, the host stops there, and the sleeping process is gone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { loadInventory } from '../../runner/inventory/index.js';
import { execute } from '../../runner/engine/executor.js';
import { command } from '../../runner/engine/primitives/index.js';
import { connector } from '../../runner/cli/connect.js';

const execFileP = promisify(execFile);
let sshd: SshdFixture;
let dir: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = await mkdtemp(join(tmpdir(), 'haforge-cmd-timeout-'));
});
afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const sleeping = async (arg: string) => (await execFileP('pgrep', ['-f', `sleep ${arg}`]).catch(() => ({ stdout: '' }))).stdout.trim();

describe('command timeout over real SSH', () => {
  it('a command that hangs is stopped after the limit; the host fails with a clear reason', async () => {
    const path = join(dir, 'inv.yaml');
    await writeFile(path, `ssh:\n  user: root\n  key: ${sshd.clientKeyFile}\n  known_hosts: ${sshd.knownHostsFile}\ngroups:\n  lb:\n    hosts:\n      lb1: { address: 127.0.0.1, port: ${sshd.port} }\n  web:\n    hosts:\n      web1: { address: 127.0.0.1, port: ${sshd.port} }\n`);
    const inv = loadInventory(path);
    const marker = join(dir, 'after-sleep');
    const run = await execute({
      recipes: [{ name: 'hang', summary: 'sleeps', roles: ['lb'], steps: () => [command({ name: 'sleep', run: `sleep 47.25; touch ${marker}` })] }],
      hosts: inv.hosts.filter((h) => h.name === 'lb1'), inventory: inv, concurrency: 1, dryRun: false,
      commandTimeoutMs: 1500,
      connect: connector({ inventory: inv, secrets: { recipe: {}, byEnv: {} }, policy: 'strict', connectTimeoutS: 5 }),
    });
    const failed = run.results.find((r) => r.status === 'failed');
    expect(failed?.message).toMatch(/sleep .*timed out after 1\.5 s on lb1.*--command-timeout/);
    expect(run.hosts[0]!.status).toBe('failed');
    // The remote side killed the command (GNU timeout): nothing is left sleeping, and it never went on.
    await new Promise((ok) => setTimeout(ok, 500));
    expect(await sleeping('47.25')).toBe('');
    await expect(execFileP('test', ['-e', marker])).rejects.toBeTruthy();
  });
});
