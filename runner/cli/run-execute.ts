// A run's last phase: the live view, the executor (Ctrl-C: no new steps), then the dry run's changes and the recap.
// Loaded lazily by run-plan, with listr2 and the executor behind it.
import chalk from 'chalk';
import { execute, type ExecuteResult } from '../engine/executor.js';
import type { HostSpec } from '../inventory/types.js';
import { createLiveView } from '../report/live.js';
import { renderChanges, renderRecap } from '../report/recap.js';
import type { Redactor } from '../report/redact.js';
import type { Remote } from '../transport/types.js';
import type { CliOptions } from './args.js';
import { ciIsSet } from './interaction.js';
import type { RunInputs } from './run-inputs.js';
import type { PlanRequest } from './run-request.js';

export async function executeRun(
  req: PlanRequest,
  o: CliOptions,
  inputs: RunInputs,
  connect: (spec: HostSpec) => Promise<Remote>,
  redactor: Redactor,
  started: number,
): Promise<ExecuteResult> {
  const { recipes, hosts, inventory, secrets } = inputs;
  const mode = o.json ? 'silent' : process.stdout.isTTY && !ciIsSet() ? 'tty' : 'lines';
  const view = createLiveView(hosts.map((h) => h.name), mode, { verbose: o.verbose, redactor });
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    if (!o.json) process.stderr.write(`\n${chalk.yellow('interrupted:')} no new steps will start; steps in flight finish (Ctrl-C again to quit now)\n`);
  };
  process.on('SIGINT', onSigint);
  let run: ExecuteResult;
  try {
    run = await execute({
      recipes, hosts, inventory, connect,
      concurrency: o.concurrency,
      dryRun: o.dryRun,
      commandTimeoutMs: o.commandTimeoutS * 1000,
      overrides: o.vars,
      secrets: secrets.recipe,
      checkRequires: req.command === 'run' && !o.withDeps,
      // status and failover read every LB at once (PeerView.readNow): one batch, whatever the rolling order.
      rollout: req.command === 'status' || req.command === 'failover' ? undefined : { groups: inventory.rollout, all: { serial: o.serial, maxFailPercentage: o.maxFailPercentage } },
      signal: abort.signal,
      events: view.events,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  await view.done;
  if (!o.json) {
    if (o.dryRun) {
      const changes = renderChanges(run.results);
      if (changes) process.stdout.write(`${redactor.redact(changes)}\n`);
    }
    process.stdout.write(`${redactor.redact(renderRecap(run, { dryRun: o.dryRun, totalMs: Date.now() - started }))}\n`);
  }
  return run;
}
