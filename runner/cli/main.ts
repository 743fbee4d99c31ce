// The haforge command line: parse, pick a command, map errors to exit codes (2 usage/inventory, 1 failure).
import chalk from 'chalk';
import { parseCli } from './args.js';
import { helpText } from './help.js';
import { listRecipes } from './list.js';
import { runPlan, type Catalogue } from './run-plan.js';
import { interaction } from './interaction.js';
import { UsageError } from './errors.js';

/** NO_COLOR (no-color.org: set and not empty) turns colours off; chalk 5 itself only reads FORCE_COLOR and --no-color. */
export function applyNoColor(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR) chalk.level = 0;
}

/** haforge's own package.json, found upward from this module: the sources (runner/cli) and the bundle (dist/) sit
 * at different depths. */
async function packageVersion(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'haforge' && pkg.version) return pkg.version;
    } catch {
      /* not here */
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

const COMMANDS = ['up', 'run', 'check', 'verify', 'status', 'failover', 'demo', 'list', 'lab', 'wizard', 'schema', 'inventory', 'cloud', 'version', 'help'];

export async function main(argv: string[]): Promise<number> {
  applyNoColor();
  if (argv[0] === 'keeper') {
    const { keeperCommand } = await import('./keeper.js');
    return await keeperCommand(argv.slice(1));
  }
  const catalogue: Catalogue = await import('../../recipes/index.js');
  try {
    const named = catalogue.commands ?? [];
    const { command, rest, options, recipeCommand } = parseCli(argv, catalogue.options, catalogue.secrets, process.env, named.map((c) => c.name));
    const byName = named.find((c) => c.name === recipeCommand);
    if (byName && !options.help) {
      // A catalogue command is `run RECIPE` with vars from its words (flags given too win over nothing: its words win).
      const got = byName.args(rest);
      if ('problem' in got) throw new UsageError(got.problem);
      const ask = interaction(options);
      return await runPlan({ command: 'run', recipeNames: [byName.recipe], options: { ...options, vars: { ...options.vars, ...got.vars } }, catalogue, ...ask });
    }
    if (options.help || command === 'help') {
      const topic = command === 'help' ? rest[0] : command;
      if (topic === 'vars') {
        const { varsTable } = await import('./help-vars.js');
        process.stdout.write(`${varsTable([...catalogue.options, ...(catalogue.hostVars ?? [])])}\n`);
      } else process.stdout.write(`${helpText(topic, catalogue.options, catalogue.secrets)}\n`);
      return 0;
    }
    const ask = interaction(options);
    switch (command) {
      case 'version':
        process.stdout.write(`haforge ${await packageVersion()}\n`);
        return 0;
      case 'schema': {
        const { inventoryJsonSchema } = await import('../inventory/json-schema.js');
        process.stdout.write(`${JSON.stringify(inventoryJsonSchema([...catalogue.options, ...(catalogue.hostVars ?? [])]), null, 2)}\n`);
        return 0;
      }
      case 'inventory': {
        const { inventoryCommand } = await import('./inventory-command.js');
        return await inventoryCommand(options);
      }
      case 'cloud': {
        const { cloudCommand } = await import('./cloud-command.js');
        return await cloudCommand(rest[0], options, ask);
      }
      case 'list':
        process.stdout.write(`${listRecipes(catalogue.recipes)}\n`);
        return 0;
      case 'lab': {
        const { labCommand } = await import('../lab/command.js');
        return await labCommand(rest);
      }
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo({ options, catalogue, ...ask });
      }
      case 'up':
      case 'run':
      case 'check':
      case 'verify':
      case 'status':
      case 'failover':
        return await runPlan({ command, recipeNames: rest, options, catalogue, ...ask });
      case 'wizard':
      case undefined: {
        const why = ask.noPromptReason ?? (process.stdout.isTTY ? undefined : 'stdout is not a terminal');
        if (why || !ask.prompt || !ask.confirm) {
          if (command === 'wizard') {
            throw new UsageError(`the wizard needs a terminal (${why ?? 'no prompt'}); unattended: haforge up -i FILE --yes (see haforge help up)`);
          }
          process.stderr.write(`${helpText(undefined, catalogue.options, catalogue.secrets)}\n`);
          return 2;
        }
        const { runWizard } = await import('../wizard/wizard.js');
        return await runWizard(catalogue, options);
      }
    }
  } catch (err) {
    const code = (err as { exitCode?: unknown }).exitCode;
    if (code === 2 || code === 130) {
      // Asked for JSON: a command line that could not be read still answers with the one JSON document.
      if (argv.includes('--json')) {
        const { jsonReport } = await import('../report/json.js');
        const command = argv.find((a) => COMMANDS.includes(a)) ?? 'haforge';
        const report = jsonReport(command, undefined, { dryRun: argv.includes('--dry-run'), exitCode: code, durationMs: 0, error: (err as Error).message });
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return code;
      }
      process.stderr.write(`${chalk.red('haforge:')} ${(err as Error).message}\n`);
      return code;
    }
    process.stderr.write(`${chalk.red('haforge: internal error:')} ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
