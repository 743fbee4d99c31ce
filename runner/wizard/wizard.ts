// The guided setup: questions (checked as typed), a summary, a confirmation, then the same run an unattended
// `haforge up` does (runPlan, with the live task list), then: save the inventory, the unattended command that
// reproduces the run, and the URLs of the site and of the stats page.
import { existsSync } from 'node:fs';
import chalk from 'chalk';
import type { Catalogue, PlanRequest } from '../cli/run-plan.js';
import type { CliOptions } from '../cli/args.js';
import { interaction, type Interaction } from '../cli/interaction.js';
import type { Inventory } from '../inventory/types.js';
import { terminalAsker, type Asker } from './ask.js';
import { askAll, type WizardAnswers } from './questions.js';
import { builtInventory, inventoryYaml, saveInventory } from './inventory.js';
import { siteUrls, summaryText } from './summary.js';
import { unattendedCommand } from './unattended.js';
import { checkSavePath, expandPath } from './validate.js';

export interface WizardDeps {
  asker?: Asker;
  /** How the run asks about host keys (default: the terminal). */
  ask?: Interaction;
  /** The run itself (default: runPlan); tests replace it. */
  run?: (req: PlanRequest) => Promise<number>;
  env?: NodeJS.ProcessEnv;
  home?: string;
  argv1?: string;
}

export async function runWizard(catalogue: Catalogue, options: CliOptions, deps: WizardDeps = {}): Promise<number> {
  const a = deps.asker ?? terminalAsker();
  const env = deps.env ?? process.env;
  a.say(chalk.bold('haforge: guided setup of an HAProxy load balancer in front of Apache web nodes'));
  a.say(chalk.dim('Answers are checked as you type. Ctrl-C stops; nothing is changed before the summary is confirmed.'));

  const answers = await askAll(a, {
    options: catalogue.options,
    flagVars: options.vars,
    inventoryFlag: options.inventory,
    env,
    home: deps.home,
    preflight: catalogue.preflight,
  });
  const yaml = answers.inventory.kind === 'built' ? inventoryYaml(answers.inventory.hosts, answers.vars, answers.secretEnvs) : undefined;
  // Built answers were checked one by one; the parser checks the whole as it would a saved file.
  const inventory: Inventory = answers.inventory.kind === 'built' ? builtInventory(yaml!) : answers.inventory.inventory;
  const problem = await catalogue.preflight?.({ ...inventory.vars, ...answers.vars });
  if (problem) a.say(chalk.yellow(`  note: ${problem}`));

  a.say(summaryText(answers, inventory, catalogue.options));
  const go = await a.confirm({ message: 'Run the setup now?', initial: true });
  let exitCode = 0;
  if (go) {
    const { runPlan } = await import('../cli/run-plan.js');
    const run = deps.run ?? runPlan;
    a.say('');
    exitCode = await run({
      command: 'up',
      options: { ...options, vars: answers.vars },
      catalogue,
      inventory,
      env: { ...env, ...answers.secrets },
      ...(deps.ask ?? interaction(options)),
    });
  } else a.say('Nothing was run.');

  const file = await offerSave(a, answers, yaml, deps.home);
  a.say('');
  if (file) {
    a.say(chalk.bold('To run it again unattended') + ' (CI, cron), with these variables in the environment:');
    for (const s of answers.secretEnvs) a.say(`  ${s.env.padEnd(24)} ${s.what}`);
    const command = unattendedCommand({
      inventoryFile: file, vars: answers.vars, options: catalogue.options, argv1: deps.argv1, limit: options.limit, dryRun: options.dryRun,
    });
    a.say(`  ${command}`);
  } else {
    a.say('The inventory was not saved, so there is no unattended command to repeat this run; run `haforge wizard` again to save it.');
  }
  const urls = siteUrls(inventory, answers.vars, catalogue.options);
  a.say('');
  a.say(`${chalk.bold('Site:')}        ${urls.site}`);
  a.say(`${chalk.bold('Stats page:')}  ${urls.stats}  (user ${urls.statsUser})`);
  if (exitCode !== 0 && go) a.say(chalk.red(`The run did not finish cleanly (exit ${exitCode}); see the recap above.`));
  return exitCode;
}

/** Built inventories are offered for saving; a file the person gave is already saved. */
async function offerSave(a: Asker, answers: WizardAnswers, yaml: string | undefined, home?: string): Promise<string | undefined> {
  if (answers.inventory.kind === 'file') return answers.inventory.path;
  a.say('');
  if (!(await a.confirm({ message: 'Save the inventory for later unattended runs (no secret is written to it)?', initial: true }))) return undefined;
  for (;;) {
    const file = expandPath(await a.text({ message: 'Save as', initial: 'haforge.yaml', validate: (v) => checkSavePath(v, home) }), home);
    if (existsSync(file) && !(await a.confirm({ message: `${file} exists. Replace it?`, initial: false }))) continue;
    saveInventory(file, yaml!);
    a.say(`  saved ${file}`);
    return file;
  }
}
