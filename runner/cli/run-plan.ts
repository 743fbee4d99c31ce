// up / run / check / verify (and the demo's and the wizard's runs), in three phases of their own: the input
// (run-inputs: inventory, vars, secrets), host keys (run-connect), execution and recap (run-execute). Exit 0, 1,
// 2 or 130. Everything a person may be asked is asked before the live view starts; unattended, a missing answer
// is exit 2 before any host is touched. This module only orders the phases and writes the outcome.
import chalk from 'chalk';
import type { ExecuteResult } from '../engine/executor.js';
import { Redactor } from '../report/redact.js';
import { jsonReport } from '../report/json.js';
import { UsageError } from './errors.js';
import { runInputs, selectedHosts } from './run-inputs.js';
import type { PlanRequest } from './run-request.js';

export type { Catalogue, PlanRequest } from './run-request.js';

export async function runPlan(req: PlanRequest): Promise<number> {
  const started = Date.now();
  // verify only reads: a dry run of it would check nothing, so it always checks the cluster as it is.
  const o = req.command === 'verify' || req.command === 'status' ? { ...req.options, dryRun: false } : req.options;
  const redactor = new Redactor();
  let run: ExecuteResult | undefined;
  const finish = (exitCode: number, error?: string): number => {
    if (o.json) {
      const report = jsonReport(req.command, run, { dryRun: o.dryRun, exitCode, durationMs: Date.now() - started, error });
      process.stdout.write(`${JSON.stringify(redactor.redactDeep(report), null, 2)}\n`);
    } else if (error) process.stderr.write(`${chalk.red('haforge:')} ${redactor.redact(error)}\n`);
    return exitCode;
  };
  try {
    if (o.showSsh) {
      process.stdout.write(redactor.redact((await import('./show-ssh.js')).showSsh(await selectedHosts(req, o))));
      return 0;
    }
    const inputs = await runInputs(req, o, redactor);
    // Loaded only now: a run that stops on a missing answer never pays for SSH, listr2 and the executor.
    const [{ settledConnector }, { executeRun }] = await Promise.all([import('./run-connect.js'), import('./run-execute.js')]);
    const connect = await settledConnector(inputs, o, req.confirm, (t) => redactor.redact(t));
    run = await executeRun(req, o, inputs, connect, redactor, started);
    return finish(run.interrupted ? 130 : run.hosts.some((h) => h.status === 'failed') ? 1 : 0);
  } catch (err) {
    const code = (err as { exitCode?: unknown }).exitCode;
    if (code === 2 || err instanceof UsageError) return finish(2, (err as Error).message);
    if (code === 130) return finish(130, (err as Error).message);
    // An unexpected error is printed by main() as one line: it must not carry a secret either.
    const message = redactor.redact(err instanceof Error ? err.message : String(err));
    throw Object.assign(new Error(message), { stack: redactor.redact((err as Error)?.stack ?? message) });
  }
}
