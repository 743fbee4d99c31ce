// Global setup of the e2e project: two labs (Debian 12 and 13) brought up once for all e2e files, and always
// brought down at the end, even when tests fail. Tests read them with inject('labs').
//
// Without root (or namespaces) the e2e tests skip with a loud message; under CI=true they must run, so the
// same condition fails the run instead.
import type { TestProject } from 'vitest/node';
import { labDown, labTraces, labUp, machineProblem, type LabInfo } from '../../runner/lab/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The e2e labs, one per suite; empty when skipped. */
    labs: LabInfo[];
    /** Why the e2e tests skip ('' when the labs are up). */
    labSkip: string;
  }
}

/** Names not used by anyone by hand (haforge lab up defaults to hflab); subnets are picked free by up. */
// HAFORGE_E2E_PREFIX (≤ 6 characters) lets two e2e runs share a machine without sharing labs.
const PREFIX = process.env.HAFORGE_E2E_PREFIX || 'hfe2e';
// systemd hosts, as every Debian server boots; the sysv (tini) variant is proved by faults-run's own lab.
export const E2E_LABS = [
  { name: `${PREFIX}12`, suite: 'bookworm', init: 'systemd' },
  { name: `${PREFIX}13`, suite: 'trixie', init: 'systemd' },
] as const;

const log = (line: string) => process.stderr.write(`[e2e lab] ${line}\n`);

async function downAll(): Promise<void> {
  const errors: string[] = [];
  for (const { name } of E2E_LABS) {
    await labDown(name).catch((e: unknown) => errors.push((e as Error).message));
    const left = await labTraces(name);
    if (left.length) errors.push(`lab ${name} left ${left.join(', ')}`);
  }
  if (errors.length) throw new Error(`e2e teardown: ${errors.join('; ')}`);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const problem = await machineProblem();
  if (problem) {
    if (process.env.CI === 'true') throw new Error(`CI=true but the e2e lab cannot run here: ${problem}`);
    const line = '!'.repeat(100);
    process.stderr.write(`\n${line}\n!!! e2e tests SKIPPED: ${problem}\n!!! (they need the local lab; run as root)\n${line}\n\n`);
    project.provide('labs', []);
    project.provide('labSkip', problem);
    return undefined;
  }
  const t0 = Date.now();
  // Both at once: a cold start builds the two base images in parallel.
  const results = await Promise.allSettled(E2E_LABS.map((l) => labUp({ ...l, log: (m) => log(`${l.name}: ${m}`) })));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    // vitest runs no teardown for a setup that throws: bring down what did come up before failing.
    await downAll().catch((e: unknown) => log((e as Error).message));
    throw new Error(`e2e labs did not come up: ${failed.map((f) => (f.reason as Error).message).join('; ')}`);
  }
  const labs = results.map((r) => (r as PromiseFulfilledResult<LabInfo>).value);
  log(`labs up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${labs.map((l) => `${l.name} (${l.suite}, ${l.subnet}.0/24)`).join(', ')}`);
  project.provide('labs', labs);
  project.provide('labSkip', '');
  return async () => {
    const t1 = Date.now();
    await downAll();
    log(`labs down in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  };
}
