// drain / maint / ready: the runtime API client's commands and parser, and the bad input that stops before any
// connection (unknown node, the only web node, a negative timeout, missing words).
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../runner/cli/args.js';
import * as catalogue from '../../recipes/index.js';
import { checkRuntimeCommand, parseServerStates, runtimeCommand, serving, setServerState } from '../../recipes/lib/haproxy-runtime.js';
import type { Inventory } from '../../runner/inventory/types.js';

// As HAProxy 2.6 answers `show servers state cluster_web; show stat` (trimmed to the fields read).
const ANSWER = [
  '1',
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight',
  '3 cluster_web 1 web1 10.0.0.11 2 8 1 1 12 6 3 4 6 0 0 0 - 80 -',
  '3 cluster_web 2 web2 10.0.0.12 2 0 1 1 12 6 3 4 6 0 0 0 - 80 -',
  '3 cluster_web 3 web3 10.0.0.13 0 1 1 1 12 6 3 4 6 0 0 0 - 80 -',
  '',
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status',
  'cluster_web,FRONTEND,,,1,2,,,,,,,,,,,,OPEN',
  'cluster_web,web1,0,0,2,3,,,,,,,,,,,,DRAIN',
  'cluster_web,web2,0,0,0,3,,,,,,,,,,,,UP',
  'cluster_web,web3,0,0,0,0,,,,,,,,,,,,MAINT',
  'cluster_web,BACKEND,0,0,2,3,,,,,,,,,,,,UP',
  '',
].join('\n');

const inventory = (web: string[]): Inventory =>
  ({ file: 'lab.yaml', groups: { lb: ['lb1'], web }, hosts: [], vars: {}, warnings: [] }) as unknown as Inventory;
const names = catalogue.commands.map((c) => c.name);

describe('runtime API client', () => {
  it('reads admin state from the bits, sessions and status from show stat', () => {
    const s = parseServerStates(ANSWER);
    expect(s.map((x) => [x.server, x.admin, x.sessions, x.status, serving(x)])).toEqual([
      ['web1', 'drain', 2, 'DRAIN', false],
      ['web2', 'ready', 0, 'UP', true],
      ['web3', 'maint', 0, 'MAINT', false],
    ]);
  });
  it('sends one quoted line through socat, and refuses what could add a command', () => {
    expect(runtimeCommand(['show stat'])).toBe("printf '%s\\n' 'show stat' | socat -t 5 - UNIX-CONNECT:/run/haproxy/admin.sock");
    expect(setServerState('web1', 'drain')).toContain("'set server cluster_web/web1 state drain'");
    for (const bad of ['show stat; shutdown frontend x', 'show stat\nshutdown', "show 'x'", '$(reboot)']) {
      expect(() => checkRuntimeCommand(bad)).toThrow(/not a runtime API command/);
    }
  });
});

describe('drain / maint / ready on the command line', () => {
  it('is `run server-state` with the node and state as vars', () => {
    const p = parseCli(['drain', 'web1', '--timeout', '5', '--force'], catalogue.options, catalogue.secrets, {}, names);
    expect(p).toMatchObject({ command: 'run', recipeCommand: 'drain', rest: ['web1'] });
    expect(p.options.vars).toMatchObject({ timeout: 5, force: true });
    expect(catalogue.commands.find((c) => c.name === 'drain')!.args(['web1'])).toEqual({ vars: { server_node: 'web1', server_action: 'drain' } });
  });
  it('refuses a negative timeout and a missing node, with exit 2', () => {
    expect(() => parseCli(['drain', 'web1', '--timeout=-1'], catalogue.options, catalogue.secrets, {}, names)).toThrow(/^--timeout: expected an integer 0-86400/);
    expect(catalogue.commands.find((c) => c.name === 'ready')!.args([])).toEqual({ problem: expect.stringMatching(/needs exactly one web node/) });
  });
  it('refuses an unknown node and the only web node before any connection', () => {
    expect(catalogue.clusterPreflight(inventory(['web1', 'web2']), { recipes: ['server-state'], vars: { server_node: 'web9', server_action: 'drain' } }).problem).toMatch(/^lab\.yaml: unknown web node "web9"; the web nodes are web1, web2/);
    expect(catalogue.clusterPreflight(inventory(['web1']), { recipes: ['server-state'], vars: { server_node: 'web1', server_action: 'maint' } }).problem).toMatch(/only web node.*--force/);
    expect(catalogue.clusterPreflight(inventory(['web1']), { recipes: ['server-state'], vars: { server_node: 'web1', server_action: 'maint', force: true } }).problem).toBeUndefined();
    expect(catalogue.clusterPreflight(inventory(['web1']), { recipes: ['server-state'], vars: { server_node: 'web1', server_action: 'ready' } }).problem).toBeUndefined();
  });
});
