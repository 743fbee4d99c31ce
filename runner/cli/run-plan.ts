// up / run / check / verify (and the wizard's run): inventory -> hosts -> plan -> secrets -> host keys ->
// execute -> recap. Exit 0, 1, 2 or 130. Everything a person may be asked (secrets, unknown host keys) is
// asked before the live view starts; unattended, a missing answer is exit 2 before any host is touched.
// The steps before the first connection are prepare-plan.ts.
import chalk from 'chalk';
import type { Inventory } from '../inventory/types.js';
import type { ExecuteResult } from '../engine/executor.js';
import { appliesTo } from '../engine/planner.js';
import type { Recipe, RunOption, SecretSpec } from '../engine/types.js';
import { Redactor } from '../report/redact.js';
import { jsonReport } from '../report/json.js';
import type { CliOptions } from './args.js';
import type { Prompter } from './secrets.js';
import { UsageError } from './errors.js';
import type { Preflight } from './check-vars.js';
import { preparePlan } from './prepare-plan.js';
import { ciIsSet } from './interaction.js';

export interface Catalogue {
  recipes: readonly Recipe[];
  options: readonly RunOption[];
  secrets: readonly SecretSpec[];
  /** Vars recipes read that are not flags (web_port, ...): checked like options. */
  hostVars?: readonly RunOption[];
  /** Checks a host's vars before any connection; returns a problem to report with exit 2. */
  preflight?: Preflight;
}

export interface PlanRequest {
  command: 'up' | 'run' | 'check' | 'verify';
  recipeNames?: string[];
  options: CliOptions;
  catalogue: Catalogue;
  /** An inventory already parsed (the wizard's); otherwise -i or $HAFORGE_INVENTORY. */
  inventory?: Inventory;
  /** Files read for secrets nothing else supplies (the demo lab's stats password). */
  fallbackSecretFiles?: Record<string, string>;
  /** Where secrets are read from (default process.env); the wizard passes the answers it collected. */
  env?: NodeJS.ProcessEnv;
  /** Present when a person can answer prompts. */
  prompt?: Prompter;
  confirm?: (message: string) => Promise<boolean>;
  /** Why nobody is asked (for the messages of missing answers). */
  noPromptReason?: string;
}

export async function runPlan(req: PlanRequest): Promise<number> {
  const started = Date.now();
  // verify only reads: a dry run of it would check nothing, so it always checks the cluster as it is.
  const o = req.command === 'verify' ? { ...req.options, dryRun: false } : req.options;
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
    const warn = (w: string) => {
      if (!o.json) process.stderr.write(`${chalk.yellow('warning:')} ${w}\n`);
    };
    const { inventory, hosts, recipes, secrets } = await preparePlan(req, o, redactor, warn);

    // Loaded only now: a run that stops on a missing answer never pays for SSH, listr2 and the executor.
    const [{ execute }, { connector }, { settleHostKeys }, { createLiveView }, { renderChanges, renderRecap }] = await Promise.all([
      import('../engine/executor.js'),
      import('./connect.js'),
      import('./host-keys.js'),
      import('../report/live.js'),
      import('../report/recap.js'),
    ]);
    const inv = inventory;
    const connectWith = (policy: 'strict' | 'accept-new' | 'ask', askHostKey?: (host: string, fp: string) => Promise<boolean>) =>
      connector({ inventory: inv, secrets, policy, askHostKey, connectTimeoutS: o.connectTimeoutS, keepConnectionsS: o.keepConnectionsS, warn: (l) => process.stderr.write(`haforge: ${l}\n`) });
    await settleHostKeys({
      hosts: hosts.filter((h) => recipes.some((r) => appliesTo(r, h.groups))),
      inventory,
      acceptNew: o.acceptNewHostKeys,
      confirm: req.confirm,
      connect: (spec, policy, ask) => connectWith(policy, ask)(spec),
      concurrency: o.concurrency,
    });

    const mode = o.json ? 'silent' : process.stdout.isTTY && !ciIsSet() ? 'tty' : 'lines';
    const view = createLiveView(hosts.map((h) => h.name), mode, { verbose: o.verbose, redactor });
    const abort = new AbortController();
    const onSigint = () => {
      if (abort.signal.aborted) process.exit(130);
      abort.abort();
      if (!o.json) process.stderr.write(`\n${chalk.yellow('interrupted:')} no new steps will start; steps in flight finish (Ctrl-C again to quit now)\n`);
    };
    process.on('SIGINT', onSigint);
    try {
      run = await execute({
        recipes, hosts, inventory,
        // Host keys were settled above: anything still unknown now is refused, never asked under the live view.
        connect: connectWith(o.acceptNewHostKeys ? 'accept-new' : 'strict'),
        concurrency: o.concurrency,
        dryRun: o.dryRun,
        commandTimeoutMs: o.commandTimeoutS * 1000,
        overrides: o.vars,
        secrets: secrets.recipe,
        checkRequires: req.command === 'run' && !o.withDeps,
        rollout: { groups: inventory.rollout, all: { serial: o.serial, maxFailPercentage: o.maxFailPercentage } },
        signal: abort.signal,
        events: view.events,
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    await view.done;
    const exitCode = run.interrupted ? 130 : run.hosts.some((h) => h.status === 'failed') ? 1 : 0;
    if (!o.json) {
      if (o.dryRun) {
        const changes = renderChanges(run.results);
        if (changes) process.stdout.write(`${redactor.redact(changes)}\n`);
      }
      process.stdout.write(`${redactor.redact(renderRecap(run, { dryRun: o.dryRun, totalMs: Date.now() - started }))}\n`);
    }
    return finish(exitCode);
  } catch (err) {
    const code = (err as { exitCode?: unknown }).exitCode;
    if (code === 2 || err instanceof UsageError) return finish(2, (err as Error).message);
    if (code === 130) return finish(130, (err as Error).message);
    // An unexpected error is printed by main() as one line: it must not carry a secret either.
    const message = redactor.redact(err instanceof Error ? err.message : String(err));
    throw Object.assign(new Error(message), { stack: redactor.redact((err as Error)?.stack ?? message) });
  }
}
