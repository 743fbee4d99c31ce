// The connection keeper (--keep-connections) against a real OpenSSH server on 127.0.0.1: runs reuse one SSH
// login, answer exactly as a direct connection does, and a connection the server dropped is made again.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { connect, isTransportError, type ConnectOptions } from '../../runner/transport/index.js';
import { serveKeeper } from '../../runner/transport/keeper/server.js';
import { dropKeeperLinks, keptConnect, stopKeeper } from '../../runner/transport/keeper/client.js';
import { keeperSocketPath, KeeperPathError } from '../../runner/transport/keeper/socket-path.js';
import { startKeeper } from '../../runner/cli/keeper.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

let f: SshdFixture;
let work: string;

beforeAll(async () => {
  f = await startSshd({ passwordUser: true });
  work = await mkdtemp(join(tmpdir(), 'haforge-keeper-'));
});
afterAll(async () => {
  await f?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});
afterEach(() => dropKeeperLinks());

/** The fixture's non-root user (dash, no slow ~/.bashrc), becoming root with sudo only where a test asks. */
function opts(over: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    name: 'app1',
    address: '127.0.0.1',
    port: f.port,
    user: f.user!.name,
    auth: { kind: 'password', password: f.user!.password },
    knownHostsFile: f.knownHostsFile,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    becomeRoot: false,
    ...over,
  };
}

const logins = () => f.log().split('\n').filter((l) => /Accepted password for /.test(l)).length;

/** A keeper in this process on its own socket (the client waits for it to listen; it never starts one). */
function keeper(idleS = 30) {
  const socketPath = join(work, `k${Math.random().toString(36).slice(2, 8)}.sock`);
  const done = serveKeeper({ socketPath, idleS, connect });
  return { socketPath, done, spec: { socketPath, start: () => undefined } };
}

describe('connection keeper', () => {
  test('a second run reuses the first run\'s SSH login; answers are the same as a direct connection\'s', async () => {
    const k = keeper();
    const before = logins();
    const script = 'printf out; printf err >&2; read x; echo "in=$x"; exit 3';
    const direct = await connect(opts());
    const expected = await direct.run(script, { stdin: 'hello\n' });
    await direct.close();
    expect(logins()).toBe(before + 1);

    const first = await keptConnect(opts(), k.spec);
    const chunks: string[] = [];
    expect(await first.run(script, { stdin: 'hello\n', onOutput: (c, s) => chunks.push(`${s}:${c}`) })).toEqual(expected);
    expect(chunks.join('')).toContain('stdout:out');
    await first.close();
    dropKeeperLinks(); // as when the first haforge process exits

    const second = await keptConnect(opts(), k.spec);
    expect((await second.run('echo again')).stdout).toBe('again\n');
    expect(logins(), 'one login for the kept connection, none for the second run').toBe(before + 2);

    // Another login (or other secrets) is another connection, never the kept one.
    const other = await keptConnect(opts({ name: 'app1-other', connectTimeoutMs: 4000 }), k.spec);
    await other.run('true');
    expect(logins()).toBe(before + 3);

    const timed = await second.run('sleep 5', { timeoutMs: 300 });
    expect(timed.code).toBeNull();
    expect(timed.interrupted).toBe('timeout');
    expect(await stopKeeper(k.socketPath)).toBe(true);
    expect(await k.done).toBe(true);
    expect(existsSync(k.socketPath), 'the socket is removed').toBe(false);
    expect(await stopKeeper(k.socketPath), 'nothing answers any more').toBe(false);
  });

  test('upload goes through the keeper: content, mode, atomic', async () => {
    const k = keeper();
    const r = await keptConnect(opts(), k.spec);
    const target = join(f.user!.home, 'kept-upload.txt');
    await r.upload(target, Buffer.from([0, 1, 2, 255]), { mode: 0o600 });
    expect((await r.run(`od -An -tu1 ${target} | tr -s ' '; stat -c %a ${target}`)).stdout).toBe(' 0 1 2 255\n600\n');
    await stopKeeper(k.socketPath);
    await k.done;
  });

  test('a kept connection the server dropped is made again at the next run; an error in flight is a transport error', async () => {
    const k = keeper();
    const before = logins();
    const r = await keptConnect(opts(), k.spec);
    // The command ends its own sshd session process: the connection is gone mid-command.
    const cut = await r.run('kill -9 $PPID; sleep 2').catch((e: unknown) => e);
    if (isTransportError(cut)) expect(cut.kind).toBe('disconnected');
    else expect((cut as { code: unknown }).code, 'cut off, not finished').toBeNull();
    dropKeeperLinks();
    await new Promise((ok) => setTimeout(ok, 200));
    const again = await keptConnect(opts(), k.spec);
    expect((await again.run('echo back')).stdout).toBe('back\n');
    expect(logins()).toBe(before + 2);
    await stopKeeper(k.socketPath);
    await k.done;
  });

  test('a kept connection whose host stopped answering (no close, no reset) is replaced within the probe time', async () => {
    const k = keeper();
    const before = logins();
    const r = await keptConnect(opts(), k.spec);
    // The sshd session process that serves this connection (the command's parent's parent is sshd's; $PPID is it).
    const session = Number((await r.run('echo $PPID')).stdout.trim());
    expect(session).toBeGreaterThan(1);
    dropKeeperLinks();
    process.kill(session, 'SIGSTOP'); // a host that vanished: the TCP connection stays up, nothing answers
    try {
      // Replaced after the 2 s probe, not after TCP keepalives give up (minutes): this test's 10 s limit says so.
      const again = await keptConnect(opts(), k.spec);
      expect((await again.run('echo fresh')).stdout).toBe('fresh\n');
      expect(logins()).toBe(before + 2);
    } finally {
      process.kill(session, 'SIGCONT');
      await stopKeeper(k.socketPath);
      await k.done;
    }
  }, 10_000);

  test('a keeper that never answers: given up after the connect timeout (+5 s) with a plain error, so the run connects directly', async () => {
    const socketPath = join(work, 'mute.sock');
    const accepted: Socket[] = [];
    const mute = createServer((c) => {
      accepted.push(c); // accepts, reads, never replies
      c.resume();
    });
    await new Promise<void>((ok) => mute.listen(socketPath, ok));
    try {
      const e = await keptConnect(opts({ connectTimeoutMs: 200 }), { socketPath, start: () => undefined }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(Error);
      expect(isTransportError(e), 'not the host\'s error').toBe(false);
      expect((e as Error).message).toBe('the connection keeper did not answer for app1');
      // The link was hung up: a request left pending would keep the run's process alive after its end.
      await expect.poll(() => accepted[0]!.readableEnded, { timeout: 2000 }).toBe(true);
    } finally {
      dropKeeperLinks();
      for (const c of accepted) c.destroy();
      await new Promise((ok) => mute.close(ok));
    }
  }, 15_000);

  test('wrong credentials: the host\'s own error comes back, nothing is kept', async () => {
    const k = keeper();
    const e = await keptConnect(opts({ auth: { kind: 'password', password: 'not-it' } }), k.spec).catch((x: unknown) => x);
    expect(isTransportError(e, 'auth'), String(e)).toBe(true);
    expect(String((e as Error).message)).not.toContain('not-it');
    await stopKeeper(k.socketPath);
    await k.done;
  });

  test('with nothing connected it leaves after its idle time, closing its connections', async () => {
    const k = keeper(1);
    const r = await keptConnect(opts(), k.spec);
    await r.run('true');
    dropKeeperLinks();
    expect(existsSync(k.socketPath), 'still there right after the last link went: it waits its idle time').toBe(true);
    expect(await k.done).toBe(true);
    expect(existsSync(k.socketPath)).toBe(false);
  });

  test('started in the background by a run: no secret in its command line or environment', async () => {
    const socketPath = join(work, 'bg.sock');
    process.env.HAFORGE_SSH_PASSWORD = f.user!.password; // as a run has it
    try {
      const r = await keptConnect(opts(), { socketPath, start: () => startKeeper(socketPath, 30) });
      await r.run('true');
      const pid = keeperPid(socketPath);
      expect(pid, 'the keeper process').toBeGreaterThan(0);
      const seen = (await readFile(`/proc/${pid}/cmdline`)).toString() + (await readFile(`/proc/${pid}/environ`)).toString();
      expect(seen).toContain('keeper');
      expect(seen).not.toContain(f.user!.password);
      dropKeeperLinks();
      expect(await stopKeeper(socketPath)).toBe(true);
      await expect.poll(() => existsSync(`/proc/${pid}`), { timeout: 3000 }).toBe(false);
    } finally {
      delete process.env.HAFORGE_SSH_PASSWORD;
      dropKeeperLinks();
      await stopKeeper(socketPath);
    }
  });
});

/** The background keeper serving socketPath, found by its command line. */
function keeperPid(socketPath: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv.includes('serve') && argv.includes('keeper') && argv.includes(socketPath)) return Number(d);
    } catch {
      /* gone */
    }
  }
  return 0;
}

describe('keeper socket folder', () => {
  test('made 0700 under XDG_RUNTIME_DIR; a folder open to others or a symlink is refused', () => {
    const base = join(work, 'runtime');
    mkdirSync(base, { mode: 0o700 });
    const path = keeperSocketPath({ XDG_RUNTIME_DIR: base });
    expect(path).toBe(join(base, `haforge-${process.getuid!()}`, 'keeper.sock'));
    chmodSync(join(base, `haforge-${process.getuid!()}`), 0o755);
    expect(() => keeperSocketPath({ XDG_RUNTIME_DIR: base })).toThrow(KeeperPathError);
    expect(() => keeperSocketPath({ XDG_RUNTIME_DIR: base })).toThrow(/open to others \(mode 755\)/);
    const other = join(work, 'runtime2');
    mkdirSync(other, { mode: 0o700 });
    symlinkSync(base, join(other, `haforge-${process.getuid!()}`));
    expect(() => keeperSocketPath({ XDG_RUNTIME_DIR: other })).toThrow(/is not a folder/);
  });
});
