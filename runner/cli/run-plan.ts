// up / run / check / verify: inventory -> hosts -> plan -> secrets -> execute -> recap. Exit 0, 1, 2 or 130.
import chalk from 'chalk';
import { loadInventory, selectHosts } from '../inventory/index.js';
import { execute, type ExecuteResult } from '../engine/executor.js';
import { planRecipes } from '../engine/planner.js';
import type { Recipe, RunOption, SecretSpec } from '../engine/types.js';
import { Redactor } from '../report/redact.js';
import { createLiveView, type LiveMode } from '../report/live.js';
import { renderChanges, renderRecap } from '../report/recap.js';
import { jsonReport } from '../report/json.js';
import type { CliOptions } from './args.js';
import { connector } from './connect.js';
import { gatherSecrets, type Prompter } from './secrets.js';
import { UsageError } from './errors.js';
import { chooseInventory } from './default-inventory.js';
import { checkVars, resolveFileVars, type Preflight } from './check-vars.js';

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
  /** Present when a person can answer prompts. */
  prompt?: Prompter;
  confirm?: (message: string) => Promise<boolean>;
}

export async function runPlan(req: PlanRequest): Promise<number> {
  const started = Date.now();
  const o = req.options;
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
    const chosen = await chooseInventory(o.inventory, (line) => !o.json && process.stderr.write(`${line}\n`));
    const inventory = loadInventory(chosen.path);
    if (!o.json) for (const w of inventory.warnings) process.stderr.write(`${chalk.yellow('warning:')} ${w}\n`);
    resolveFileVars(inventory, req.catalogue.options);
    const hosts = selectHosts(inventory, o.limit);
    const names = req.command === 'verify' ? ['verify'] : req.command === 'run' ? req.recipeNames : undefined;
    const recipes = planRecipes(req.catalogue.recipes, names, { withDeps: o.withDeps });
    const varWarnings = await checkVars(inventory, hosts, req.catalogue.options, o.vars, req.catalogue.preflight, req.catalogue.hostVars);
    if (!o.json) for (const w of varWarnings) process.stderr.write(`${chalk.yellow('warning:')} ${w}\n`);
    const vars = { ...inventory.vars, ...o.vars };
    for (const opt of req.catalogue.options) if (vars[opt.name] === undefined && opt.default !== undefined) vars[opt.name] = opt.default;
    const secrets = await gatherSecrets({
      hosts, specs: req.catalogue.secrets.filter((s) => s.neededBy.some((n) => recipes.some((r) => r.name === n))), vars, files: o.secretFiles, fallbackFiles: chosen.labSecretFiles, env: process.env, prompt: req.prompt, redactor,
    });

    const mode: LiveMode = o.json ? 'silent' : process.stdout.isTTY && !process.env.CI ? 'tty' : 'lines';
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
        connect: connector({
          inventory, secrets,
          policy: o.acceptNewHostKeys ? 'accept-new' : req.confirm ? 'ask' : 'strict',
          askHostKey: req.confirm && ((host, fp) => req.confirm!(`Unknown host key for ${host}: ${fp}. Trust it and record it?`)),
          connectTimeoutS: o.connectTimeoutS,
        }),
        concurrency: o.concurrency,
        dryRun: o.dryRun,
        overrides: o.vars,
        secrets: secrets.recipe,
        checkRequires: req.command === 'run' && !o.withDeps,
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
    if (code === 2) return finish(2, (err as Error).message);
    if (err instanceof UsageError) return finish(2, err.message);
    throw err;
  }
}
