// `haforge demo` (and `npm run demo`): makes or reuses the local lab, runs everything on it as `up -i` would,
// then says where the site and its stats page are and where the stats password is kept. The only command that
// starts a lab besides `haforge lab up`.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import chalk from 'chalk';
import { UsageError } from './errors.js';
import { runPlan, type PlanRequest } from './run-plan.js';

/** The lab's demo stats password, made once per lab and kept in its state folder (0600), never printed. */
function statsPasswordFile(stateDir: string): string {
  const file = join(stateDir, 'stats-password');
  if (!existsSync(file) || !readFileSync(file, 'utf8').trim()) writeFileSync(file, `${randomBytes(12).toString('base64url')}\n`, { mode: 0o600 });
  return file;
}

export async function runDemo(req: Omit<PlanRequest, 'command'>): Promise<number> {
  const o = req.options;
  if (o.inventory) throw new UsageError('`haforge demo` runs on the local lab; for your own inventory: haforge up -i FILE');
  if (process.getuid?.() !== 0) throw new UsageError('`haforge demo` needs root: the local lab uses network namespaces (sudo haforge demo)');
  const say = (line: string) => !o.json && process.stderr.write(`${line}\n`);
  const { labUp } = await import('../lab/up.js');
  // HAFORGE_DEMO_LAB: another lab's name (checked by labUp like --name), so tests can run the demo on a lab of
  // their own; people get the default one.
  const lab = await labUp({ log: say, ...(process.env.HAFORGE_DEMO_LAB ? { name: process.env.HAFORGE_DEMO_LAB } : {}) });
  say(lab.alreadyUp ? `lab ${lab.name} is up` : `started the local lab ${lab.name} in ${lab.seconds.toFixed(1)} s`);
  const inventory = join(lab.stateDir, 'inventory.yaml');
  const passwordFile = statsPasswordFile(lab.stateDir);
  const code = await runPlan({ ...req, command: 'up', options: { ...o, inventory }, fallbackSecretFiles: { stats_password: passwordFile } });
  if (o.json || code === 2) return code;
  const https = o.vars['https'] === true;
  for (const lb of lab.hosts.filter((h) => h.group === 'lb')) {
    const site = `${https ? 'https' : 'http'}://${lb.address}/`;
    process.stdout.write(`${chalk.bold('site')}   ${site}\n${chalk.bold('stats')}  ${site}stats (user ${String(o.vars['stats_user'] ?? 'admin')})\n`);
  }
  process.stdout.write(`the stats password is in ${passwordFile} (mode 0600); inventory: ${inventory}\n`);
  return code;
}
