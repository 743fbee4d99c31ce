// The wizard's questions, in the order a person thinks about the setup: which machines and how to log in,
// where HAProxy comes from, how sessions stick, the options, the stats page. Every answer is checked as it is
// typed (validate.ts; an option's answer by its registry entry, ask-option.ts); the result maps one to one onto inventory keys, run options and secret variables.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InventoryError, loadInventory } from '../inventory/index.js';
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import type { RunOption } from '../engine/types.js';
import type { Asker } from './ask.js';
import { askOption, optionNamed, type OptionQuestion } from './ask-option.js';
import { secretEnvOf, type BuiltHosts, type LoginAnswer } from './inventory.js';
import {
  checkHostPort,
  checkKeyFile,
  checkSecret,
  checkStatsPassword,
  checkUser,
  expandPath,
  parseHostPort,
  type HostPort,
} from './validate.js';

export const STATS_PASSWORD_ENV = 'HAFORGE_STATS_PASSWORD';

export interface WizardContext {
  options: readonly RunOption[];
  /** Vars given as flags to `haforge wizard` (answers start from them). */
  flagVars: Vars;
  /** `haforge wizard -i FILE`: offered as the existing inventory. */
  inventoryFlag?: string;
  env: NodeJS.ProcessEnv;
  home?: string;
  /** Checks a var set before anything runs (the recipes' preflight): a problem, or undefined. */
  preflight?: (vars: Vars) => Promise<string | undefined>;
}

export type InventoryAnswer =
  | { kind: 'file'; path: string; inventory: Inventory }
  | { kind: 'built'; hosts: BuiltHosts };

export interface WizardAnswers {
  inventory: InventoryAnswer;
  /** The run options chosen (with the flags given to the wizard). */
  vars: Vars;
  /** Secret values by the environment variable a later unattended run reads them from. */
  secrets: Record<string, string>;
  /** Every variable an unattended run needs, with what it holds. */
  secretEnvs: { env: string; what: string }[];
  statsPasswordGenerated: boolean;
}

function defaultKey(home: string): string {
  for (const k of ['.ssh/id_ed25519', '.ssh/id_rsa']) if (existsSync(join(home, k))) return `~/${k}`;
  return '';
}

function checkInventoryFile(text: string, home: string): true | string {
  if (!text.trim()) return 'a file is needed (see inventory/example.yaml)';
  try {
    loadInventory(expandPath(text, home));
    return true;
  } catch (err) {
    if (!(err instanceof InventoryError)) return (err as Error).message;
    const [first, ...rest] = err.message.split('\n');
    return rest.length ? `${first} (and ${rest.length} more)` : first!;
  }
}

/** Password and sudo variables a loaded inventory reads (each once), with what they hold. */
export function secretEnvOfInventory(inv: Inventory): { env: string; what: string; hosts: HostSpec[] }[] {
  const out = new Map<string, { env: string; what: string; hosts: HostSpec[] }>();
  const add = (env: string, what: string, h: HostSpec) => {
    const e = out.get(env) ?? { env, what, hosts: [] };
    e.hosts.push(h);
    out.set(env, e);
  };
  for (const h of inv.hosts) {
    if (h.auth.kind === 'password' && !h.auth.password) add(h.auth.passwordEnv, `SSH password of ${h.user}`, h);
    if (h.sudo && h.sudoPasswordEnv) add(h.sudoPasswordEnv, `sudo password of ${h.user}`, h);
  }
  return [...out.values()];
}

export async function askAll(a: Asker, ctx: WizardContext): Promise<WizardAnswers> {
  const home = ctx.home ?? homedir();
  const secrets: Record<string, string> = {};
  const secretEnvs: { env: string; what: string }[] = [];
  /** A secret from the environment when set there, else asked (masked). */
  const secret = async (env: string, what: string) => {
    secretEnvs.push({ env, what });
    if (ctx.env[env]) {
      a.say(`  ${what}: from ${env} in the environment`);
      secrets[env] = ctx.env[env]!;
      return;
    }
    secrets[env] = await a.secret({ message: `${what[0]!.toUpperCase()}${what.slice(1)}`, validate: checkSecret });
  };

  // 1. The machines.
  a.say('\nThe machines: one load balancer (HAProxy) and the web nodes (Apache) behind it.');
  const how = await a.select({
    message: 'Inventory',
    choices: [
      { value: 'build', label: 'build one now', hint: 'answer a few questions; you can save it at the end' },
      { value: 'file', label: 'use an inventory file', hint: 'a YAML file like inventory/example.yaml' },
    ],
    initial: ctx.inventoryFlag ? 'file' : 'build',
  });
  let inventory: InventoryAnswer;
  let lbVars: Vars = {};
  if (how === 'file') {
    const path = expandPath(
      await a.text({ message: 'Inventory file', initial: ctx.inventoryFlag, validate: (v) => checkInventoryFile(v, home) }),
      home,
    );
    const inv = loadInventory(path);
    const lbName = inv.groups['lb']?.[0];
    lbVars = inv.hosts.find((h) => h.name === lbName)?.vars ?? {};
    a.say(`  ${inv.hosts.length} hosts: ${inv.hosts.map((h) => `${h.name} (${h.groups.join(',')})`).join(', ')}`);
    for (const s of secretEnvOfInventory(inv)) await secret(s.env, `${s.what} (${s.hosts.map((h) => h.name).join(', ')})`);
    inventory = { kind: 'file', path, inventory: inv };
  } else {
    const lb = parseHostPort(
      await a.text({ message: 'Load balancer address (IP or DNS name; :PORT if SSH is not on 22)', validate: (v) => checkHostPort(v) }),
    ) as HostPort;
    const web: HostPort[] = [];
    for (;;) {
      const n = web.length + 1;
      const answer = await a.text({
        message: n === 1 ? 'Web node 1 address' : `Web node ${n} address (Enter alone when done)`,
        validate: (v) => (n > 1 && !v.trim() ? true : checkHostPort(v, [lb, ...web])),
      });
      if (!answer.trim()) break;
      web.push(parseHostPort(answer) as HostPort);
    }
    const user = (await a.text({ message: 'SSH user', initial: 'root', validate: checkUser })).trim();
    const agentReason = ctx.env.SSH_AUTH_SOCK ? undefined : 'no ssh-agent here (SSH_AUTH_SOCK is not set); start one and ssh-add, or pick another';
    const kind = await a.select<LoginAnswer['kind']>({
      message: 'SSH login',
      choices: [
        { value: 'key', label: 'key file', hint: 'a private key whose public half is in the user\'s authorized_keys' },
        { value: 'agent', label: 'ssh-agent', hint: agentReason ? 'keys loaded in ssh-agent (none running now)' : 'the keys loaded in your ssh-agent' },
        { value: 'password', label: 'password', hint: 'typed now (hidden); later runs read it from HAFORGE_SSH_PASSWORD' },
      ],
      initial: ctx.env.SSH_AUTH_SOCK ? 'agent' : 'key',
      validate: (v) => (v === 'agent' && agentReason ? agentReason : true),
    });
    let login: LoginAnswer;
    if (kind === 'key') {
      const key = await a.text({ message: 'Private key file', initial: defaultKey(home), validate: (v) => checkKeyFile(v, home) });
      login = { kind: 'key', keyFile: expandPath(key, home) };
    } else login = { kind };
    const hosts: BuiltHosts = { lb, web, user, login };
    if (user !== 'root') a.say(`  ${user} is not root: haforge works through sudo, which asks for ${user}'s password.`);
    for (const s of secretEnvOf(hosts)) await secret(s.env, s.what);
    inventory = { kind: 'built', hosts };
  }

  /** A flag given to the wizard, else the inventory's value on the LB; the registry's default is askOption's. */
  const initial = (name: string): unknown => ctx.flagVars[name] ?? lbVars[name];
  const vars: Vars = { ...ctx.flagVars };

  const ask = (name: string, q: OptionQuestion = {}) => askOption(a, optionNamed(ctx.options, name), { initial: initial(name), ...q });

  // 2. HAProxy.
  a.say('\nHAProxy');
  // `custom` needs a URL and a key the wizard does not ask for: offered only when the inventory or a flag set it.
  const source = await ask('haproxy_source', { only: initial('haproxy_source') === 'custom' ? undefined : ['distro', 'haproxy.debian.net'] });
  vars['haproxy_source'] = source;
  if (source === 'haproxy.debian.net') vars['haproxy_version'] = await ask('haproxy_version', { initial: initial('haproxy_version') ?? '3.2' });

  // 3. Persistence.
  vars['persistence'] = await ask('persistence');

  // 4. Options.
  a.say('\nOptions');
  vars['keep_alive'] = await ask('keep_alive');
  vars['https'] = await ask('https');
  if (vars['https']) {
    const cert = await ask('https_cert', {
      initial: initial('https_cert') ?? '',
      optional: true,
      then: async (v) => (await ctx.preflight?.({ https: true, https_cert: expandPath(v, home) })) ?? true,
    });
    if (cert !== '') vars['https_cert'] = expandPath(String(cert), home);
    else delete vars['https_cert'];
  }
  if (vars['persistence'] === 'cookie-prefix' && ctx.flagVars['cookie_name'] === undefined && lbVars['cookie_name'] === undefined) {
    a.say('  PHP: on (cookie (prefix) works on the PHPSESSID cookie of the PHP demo page)');
    vars['php'] = true;
  } else vars['php'] = await ask('php');

  // 5. The stats page.
  a.say('\nThe HAProxy stats page (login required)');
  vars['stats_user'] = await ask('stats_user');
  const pwHow = await a.select({
    message: 'Stats page password',
    choices: [
      { value: 'type', label: 'type one', hint: `hidden, asked twice; at least 8 characters` },
      { value: 'generate', label: 'generate one', hint: 'a random password, shown once' },
      ...(ctx.env[STATS_PASSWORD_ENV] ? [{ value: 'env', label: `use ${STATS_PASSWORD_ENV}`, hint: 'the one already in the environment' }] : []),
    ],
    initial: ctx.env[STATS_PASSWORD_ENV] ? 'env' : 'type',
  });
  let password: string;
  if (pwHow === 'env') password = ctx.env[STATS_PASSWORD_ENV]!;
  else if (pwHow === 'generate') {
    password = randomBytes(15).toString('base64url');
    a.say(`  Stats password: ${password}`);
    a.say('  (shown this once and stored nowhere: write it down)');
  } else {
    for (;;) {
      password = await a.secret({ message: 'Stats password', validate: checkStatsPassword });
      const again = await a.secret({ message: 'Stats password again' });
      if (again === password) break;
      a.say('  The two entries differ; once more.');
    }
  }
  secrets[STATS_PASSWORD_ENV] = password;
  secretEnvs.push({ env: STATS_PASSWORD_ENV, what: 'the stats page password' });

  return { inventory, vars, secrets, secretEnvs, statsPasswordGenerated: pwHow === 'generate' };
}
