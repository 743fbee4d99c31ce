// Dry run equals execution (issue 14, item 4): `up --dry-run` then `up`, both recorded at the transport
// (HAFORGE_RECORD_COMMANDS). The dry run ran reads only; the real run's apply commands, host by host and in
// order, are exactly the commands the dry run's plan listed (secrets masked on both sides the same way).
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { STATS_ENV, STATS_PASSWORD } from './e2e-lab.js';
import { expectSuccess, haforge, type Report } from './haforge-cli.js';

let runs = 0;

/** The recorded lines of a log: [host, phase, line]. */
async function recorded(file: string): Promise<[string, string, string][]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  expect(text, 'no secret in the recording').not.toContain(STATS_PASSWORD);
  expect((await stat(file)).mode & 0o777, `${file} is 0600`).toBe(0o600);
  return text.split('\n').filter(Boolean).map((l) => {
    const [host, phase] = l.split(' ', 2) as [string, string];
    return [host, phase, l.slice(host.length + phase.length + 2)];
  });
}

/** `up FLAGS` after its dry run; returns the real run's report, and how many commands the plan held. */
export async function provedUp(lab: LabInfo, dir: string, flags: string[] = []): Promise<{ report: Report; planned: number }> {
  const n = ++runs;
  const logs = { dry: path.join(dir, `${lab.name}-${n}-dry.log`), run: path.join(dir, `${lab.name}-${n}-run.log`) };
  const args = ['up', '-i', lab.files.inventory, '--json', ...flags];
  const dry = expectSuccess(await haforge([...args, '--dry-run'], { env: { ...STATS_ENV, HAFORGE_RECORD_COMMANDS: logs.dry } }));
  const report = expectSuccess(await haforge(args, { env: { ...STATS_ENV, HAFORGE_RECORD_COMMANDS: logs.run } }));
  const [dryLines, runLines] = [await recorded(logs.dry), await recorded(logs.run)];
  expect(dryLines.filter(([, phase]) => phase !== 'read'), `up ${flags.join(' ')} --dry-run changed nothing`).toEqual([]);
  expect(dryLines.length, 'the dry run read the hosts').toBeGreaterThan(0);
  let planned = 0;
  for (const host of lab.hosts.map((h) => h.name)) {
    // The log keeps one line per command: a newline inside one is written as \n.
    const plan = dry.results.filter((r) => r.host === host && r.status === 'changed').flatMap((r) => r.commands ?? []).map((c) => c.replaceAll('\n', '\\n'));
    const done = runLines.filter(([h, phase]) => h === host && phase === 'apply').map(([, , line]) => line);
    expect(done, `${host}: up ${flags.join(' ')} ran exactly what its dry run listed`).toEqual(plan);
    planned += plan.length;
  }
  await Promise.all(Object.values(logs).map((f) => rm(f, { force: true })));
  return { report, planned };
}
