// Dry run equals execution (issue 14, item 4): `up --dry-run` then `up`, both recorded at the transport
// (HAFORGE_RECORD_COMMANDS). The dry run ran reads only; the real run's apply commands, host by host and in
// order, are exactly the commands the dry run's plan listed (secrets masked on both sides the same way).
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { STATS_ENV, STATS_PASSWORD } from './e2e-lab.js';
import { expectSuccess, haforge, summary, type Report } from './haforge-cli.js';

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

export interface ProofOptions {
  /**
   * Fresh hosts: a dry run stops, by design, at the first step whose plan needs what an earlier step has not yet
   * installed (exit 1, that step failed). On such a host the real run's first apply commands must be exactly what
   * the dry run planned before it stopped; on every other host, all of them.
   */
  fresh?: boolean;
  /** Runs between the dry run and the real one (a snapshot comparison, say). */
  between?: () => Promise<void>;
}

/** `up FLAGS` after its dry run; returns the real run's report, how many commands the plan held, and the hosts proved only up to where their dry run stopped. */
export async function provedUp(lab: LabInfo, dir: string, flags: string[] = [], o: ProofOptions = {}): Promise<{ report: Report; planned: number; stoppedAt: string[] }> {
  const n = ++runs;
  const logs = { dry: path.join(dir, `${lab.name}-${n}-dry.log`), run: path.join(dir, `${lab.name}-${n}-run.log`) };
  const args = ['up', '-i', lab.files.inventory, '--json', ...flags];
  const dryRun = await haforge([...args, '--dry-run'], { env: { ...STATS_ENV, HAFORGE_RECORD_COMMANDS: logs.dry } });
  if (o.fresh) expect([0, 1], summary(dryRun)).toContain(dryRun.code);
  const dry = o.fresh && dryRun.report ? dryRun.report : expectSuccess(dryRun);
  await o.between?.();
  const report = expectSuccess(await haforge(args, { env: { ...STATS_ENV, HAFORGE_RECORD_COMMANDS: logs.run } }));
  const [dryLines, runLines] = [await recorded(logs.dry), await recorded(logs.run)];
  expect(dryLines.filter(([, phase]) => phase !== 'read'), `up ${flags.join(' ')} --dry-run changed nothing`).toEqual([]);
  expect(dryLines.length, 'the dry run read the hosts').toBeGreaterThan(0);
  let planned = 0;
  const stoppedAt: string[] = [];
  for (const host of lab.hosts.map((h) => h.name)) {
    const mine = dry.results.filter((r) => r.host === host);
    const stop = mine.find((r) => r.status === 'failed');
    // The log keeps one line per command: a newline inside one is written as \n. Where the dry run stopped, only
    // what it planned before that step counts (later steps it planned ran after the failed one for real).
    const plan = (stop ? mine.slice(0, mine.indexOf(stop)) : mine).filter((r) => r.status === 'changed').flatMap((r) => r.commands ?? []).map((c) => c.replaceAll('\n', '\\n'));
    const done = runLines.filter(([h, phase]) => h === host && phase === 'apply').map(([, , line]) => line);
    if (stop) {
      expect(o.fresh, `${host}: the dry run failed at ${stop.recipe}/${stop.step}: ${stop.message ?? ''}`).toBe(true);
      stoppedAt.push(`${host}: ${stop.recipe}`);
      expect(done.length, `${host}: the real run did more than the dry run planned before it stopped`).toBeGreaterThan(plan.length);
    }
    const ran = stop ? done.slice(0, plan.length) : done;
    // The first difference in words: callers run labs side by side, and their errors lose vitest's diff.
    const k = ran.findIndex((line, i) => line !== plan[i]);
    const at = k >= 0 ? k : Math.min(ran.length, plan.length);
    expect(ran, `${host}: up ${flags.join(' ')} ran exactly what its dry run listed; command ${at + 1} ran ${JSON.stringify(ran[at])}, planned ${JSON.stringify(plan[at])}`).toEqual(plan);
    planned += plan.length;
  }
  await Promise.all(Object.values(logs).map((f) => rm(f, { force: true })));
  return { report, planned, stoppedAt };
}
