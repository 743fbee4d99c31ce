// Issue 18, item 2: hosts behind a jump host, against real OpenSSH servers on 127.0.0.1. The jump's sshd log
// (DEBUG1) shows each forwarded connection, so the test sees that the target was reached THROUGH the jump.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JumpPool } from '../../runner/transport/jump-pool.js';
import { isTransportError } from '../../runner/transport/index.js';
import { freePort, rootConnectOptions, startSshd, type SshdFixture } from '../support/sshd.js';

let jump: SshdFixture;
let target: SshdFixture;

beforeAll(async () => {
  // MaxSessions 1 on the jump: forwarded channels are not sessions, so many targets still pass.
  [jump, target] = await Promise.all([startSshd({ logLevel: 'DEBUG1', maxSessions: 1 }), startSshd()]);
});
afterAll(async () => {
  await Promise.all([jump?.stop(), target?.stop()]);
});

const opts = rootConnectOptions;

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('jump hosts', () => {
  test('12 hosts behind one jump: one connection to the jump, every host reached through it, closed after', async () => {
    const before = count(jump.log(), /Accepted publickey/g);
    const pool = new JumpPool();
    const remotes = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.connect(opts(target, `web${i}`), [opts(jump, 'bastion')])));
    const outs = await Promise.all(remotes.map((r) => r.run('echo "$SSH_CONNECTION"')));
    await Promise.all(remotes.map((r) => r.close()));
    expect(count(jump.log(), /Accepted publickey/g) - before).toBe(1);
    expect(count(jump.log(), new RegExp(`target 127\\.0\\.0\\.1 port ${target.port}`, 'g'))).toBeGreaterThanOrEqual(12);
    for (const o of outs) expect(o.stdout).toMatch(new RegExp(` ${target.port}\\n$`));
    // The jump's connection went when the last host behind it closed.
    await expect
      .poll(() => count(jump.log(), /Received disconnect from|Disconnected from|Connection closed by/g), { timeout: 5000 })
      .toBeGreaterThanOrEqual(1);
  });

  test('a target the jump cannot reach: one line naming the target and the jump', async () => {
    const closed = await freePort();
    const e = await new JumpPool().connect(opts(target, 'web9', { port: closed }), [opts(jump, 'bastion')]).catch((x: unknown) => x);
    expect(isTransportError(e) && e.kind).toBe('unreachable');
    expect((e as Error).message).toBe(`cannot reach 127.0.0.1:${closed} through jump host bastion: Connection refused`);
  });

  test('a target that hangs up before the handshake fails at once (ssh2 alone would wait forever)', async () => {
    const server = createServer((sock) => sock.destroy());
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const e = await new JumpPool().connect(opts(target, 'web8', { port }), [opts(jump, 'bastion')]).catch((x: unknown) => x);
      expect(isTransportError(e) && e.kind).toBe('unreachable');
      expect((e as Error).message).toMatch(`127.0.0.1:${port}`);
    } finally {
      server.close();
    }
  });

  test("the jump host's key is checked like any host's", async () => {
    const e = await new JumpPool()
      .connect(opts(target, 'web1'), [opts(jump, 'bastion', { knownHostsFile: target.knownHostsFile })])
      .catch((x: unknown) => x);
    expect(isTransportError(e) && e.kind).toBe('hostkey');
    expect((e as Error).message).toMatch(/bastion/);
  });

  test("and the target's key too, through the jump", async () => {
    const e = await new JumpPool()
      .connect(opts(target, 'web1', { knownHostsFile: jump.knownHostsFile }), [opts(jump, 'bastion')])
      .catch((x: unknown) => x);
    expect(isTransportError(e) && e.kind).toBe('hostkey');
    expect((e as Error).message).toMatch(/web1/);
  });

  test('two hops: the second jump is reached through the first', async () => {
    const pool = new JumpPool();
    const r = await pool.connect(opts(target, 'web1'), [opts(jump, 'outer'), opts(target, 'inner')]);
    expect((await r.run('echo ok')).stdout).toBe('ok\n');
    await r.close();
  });
});
