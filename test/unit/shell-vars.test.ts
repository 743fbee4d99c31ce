// M1 (issue 21), shell: a remote command built from a var quotes it with runner/transport/quote.ts, so even a
// value that got past the option patterns stays one word. haproxy_version reaches `apt-get install`.
import { describe, expect, test } from 'vitest';
import { haproxyInstall } from '../../recipes/haproxy-install.js';
import type { HostContext } from '../../runner/engine/types.js';
import { executeActions } from '../../runner/engine/actions/index.js';
import { quote } from '../../runner/transport/quote.js';

describe('vars in remote commands are quoted', () => {
  test('haproxy_version in apt-get install', async () => {
    const cmds: string[] = [];
    const evil = "3.2'; touch /tmp/pwned; '";
    const h = {
      name: 'lb1', vars: { haproxy_source: 'custom', haproxy_version: evil }, dryRun: false,
      run: async (cmd: string) => (cmds.push(cmd), { stdout: '', stderr: '', code: 0, signal: null }),
      sh: async (cmd: string) => (cmds.push(cmd), ''),
      progress: () => undefined, forget: () => undefined, fact: async () => undefined,
    } as unknown as HostContext;
    const [step] = await haproxyInstall.steps(h);
    const c = await step!.check(h);
    expect(c.state).toBe('change');
    if (c.state === 'change') await executeActions(h, c.actions);
    const install = cmds.find((c) => c.includes('apt-get') && c.includes(' install '));
    expect(install).toContain(`install ${quote(`haproxy=${evil}.*`)}`);
    expect(install).not.toContain("install haproxy=3.2'; touch");
  });
});
