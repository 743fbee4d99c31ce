// What the wizard shows before it runs (the summary) and after (where the site and the stats page are).
import chalk from 'chalk';
import type { Inventory, Vars } from '../inventory/types.js';
import type { RunOption } from '../engine/types.js';
import type { WizardAnswers } from './questions.js';
import { formatHostPort } from './validate.js';

const onOff = (v: unknown) => (v ? 'on' : 'off');

export function summaryText(a: WizardAnswers, inv: Inventory, options: readonly RunOption[] = []): string {
  const rows: [string, string][] = [];
  if (a.inventory.kind === 'file') {
    rows.push(['inventory', a.inventory.path]);
  } else {
    const h = a.inventory.hosts;
    rows.push(['load balancer', formatHostPort(h.lb)]);
    rows.push([`web nodes (${h.web.length})`, h.web.map((w) => formatHostPort(w)).join(', ')]);
    const login = h.login.kind === 'key' ? `key ${h.login.keyFile}` : h.login.kind === 'agent' ? 'ssh-agent' : 'password';
    rows.push(['login', `${h.user}, ${login}${h.user !== 'root' ? ', sudo with password' : ''}`]);
  }
  const v = a.vars;
  rows.push(['haproxy', v['haproxy_source'] === 'haproxy.debian.net' ? `haproxy.debian.net, branch ${String(v['haproxy_version'])}` : String(v['haproxy_source'])]);
  const p = options.find((o) => o.name === 'persistence')?.choiceHints?.[String(v['persistence'])];
  rows.push(['persistence', p ? `${p[0]}: ${p[1]}` : String(v['persistence'])]);
  rows.push(['keep-alive', onOff(v['keep_alive'])]);
  rows.push(['https', v['https'] ? `on, ${v['https_cert'] ? `certificate ${String(v['https_cert'])}` : 'self-signed certificate'}` : 'off']);
  rows.push(['php', onOff(v['php'])]);
  rows.push(['stats page', `user ${String(v['stats_user'])}, password ${a.statsPasswordGenerated ? 'generated' : 'set'} (hidden)`]);
  rows.push(['hosts', inv.hosts.map((h) => `${h.name} ${h.address}`).join(', ')]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return [chalk.bold('\nSummary'), ...rows.map(([k, val]) => `  ${k.padEnd(w)}  ${val}`)].join('\n');
}

/** The var as the LB sees it: the run's answers and flags, else the inventory's (host over group over global), else the default. */
function lbVar<T>(name: string, vars: Vars, inv: Inventory, options: readonly RunOption[]): T {
  const lb = inv.hosts.find((h) => h.groups.includes('lb'));
  return (vars[name] ?? lb?.vars[name] ?? options.find((o) => o.name === name)?.default) as T;
}

export function siteUrls(inv: Inventory, vars: Vars, options: readonly RunOption[]): { site: string; stats: string; statsUser: string } {
  const lb = inv.hosts.find((h) => h.groups.includes('lb'));
  const host = lb?.address.includes(':') ? `[${lb.address}]` : (lb?.address ?? 'LB');
  const https = lbVar<boolean>('https', vars, inv, options);
  const port = lbVar<number>(https ? 'https_port' : 'http_port', vars, inv, options);
  const base = `${https ? 'https' : 'http'}://${host}${port === (https ? 443 : 80) ? '' : `:${port}`}`;
  return { site: `${base}/`, stats: `${base}/stats`, statsUser: lbVar<string>('stats_user', vars, inv, options) };
}
