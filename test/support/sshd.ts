// A real OpenSSH server for tests: its own config, host key, client key and known_hosts in a temp dir,
// listening on 127.0.0.1 at a free port. The system sshd is never touched. Sessions run as root on this
// machine, so tests must confine themselves to temp dirs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConnectOptions } from '../../runner/transport/types.js';

const execFileP = promisify(execFile);

export interface SshdOptions {
  /** Create a throwaway local user (shell /bin/sh) with a password, for password auth and non-root tests;
   * removed by stop(). Its sessions are also fast: root's bash here sources a slow ~/.bashrc over SSH. */
  passwordUser?: boolean;
  maxSessions?: number;
  /** sshd LogLevel (default VERBOSE); DEBUG3 helps when a test misbehaves. */
  logLevel?: string;
}

export interface SshdFixture {
  port: number;
  dir: string;
  hostKeyFile: string;
  /** `ssh-ed25519 AAAA...` of the server. */
  hostPublicKey: string;
  /** Contains the server's key for [127.0.0.1]:port. */
  knownHostsFile: string;
  /** Private key accepted for root (and for the test user, if any). */
  clientKeyFile: string;
  user?: { name: string; password: string; home: string };
  /** sshd's own log so far (stderr with -e), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** ssh-keygen a key pair at `file` (+ `.pub`); returns the public line `type base64 comment`. */
export async function generateKey(file: string, opts: { passphrase?: string; type?: 'ed25519' | 'rsa' } = {}): Promise<string> {
  const type = opts.type ?? 'ed25519';
  await execFileP('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', opts.passphrase ?? '', '-C', 'haforge-test', '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'haforge-sshd-'));
  let child: ChildProcess | undefined;
  let user: SshdFixture['user'];
  try {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    const hostKeyFile = join(dir, 'ssh_host_ed25519_key');
    const clientKeyFile = join(dir, 'client_key');
    const hostPub = await generateKey(hostKeyFile);
    const clientPub = await generateKey(clientKeyFile);
    // The test user reads authorized_keys as itself: let it traverse the dir (private keys stay 0600).
    await chmod(dir, 0o711);
    await writeFile(join(dir, 'authorized_keys'), `${clientPub}\n`, { mode: 0o644 });
    const hostPublicKey = hostPub.split(' ').slice(0, 2).join(' ');

    if (opts.passwordUser) user = await createUser();

    const port = await freePort();
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `PasswordAuthentication ${user ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `MaxSessions ${opts.maxSessions ?? 10}`,
      // Tests open many connections to this one server at once (hosts sharing it, jump tests): sshd's default
      // (10:30:100) drops some of them before they authenticate.
      'MaxStartups 100',
      'Subsystem sftp internal-sftp',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      '',
    ].join('\n');
    const configFile = join(dir, 'sshd_config');
    await writeFile(configFile, config);

    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    await waitForListening(child, () => log, port);

    const proc = child;
    const u = user;
    return {
      port,
      dir,
      hostKeyFile,
      hostPublicKey,
      knownHostsFile,
      clientKeyFile,
      user,
      log: () => log,
      async stop() {
        await killAndWait(proc);
        if (u) await removeUser(u.name);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (child) await killAndWait(child);
    if (user) await removeUser(user.name);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

function waitForListening(child: ChildProcess, log: () => string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`sshd did not start within 10s:\n${log()}`)), 10_000);
    const poll = setInterval(() => {
      if (log().includes(`Server listening on 127.0.0.1 port ${port}`)) done();
    }, 20);
    const onExit = (code: number | null) => fail(new Error(`sshd exited with ${code}:\n${log()}`));
    child.once('exit', onExit);
    function done() {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      resolve();
    }
    function fail(e: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      reject(e);
    }
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM'); // by our own child's PID
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

async function createUser(): Promise<{ name: string; password: string; home: string }> {
  const name = `hft${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const home = `/home/${name}`;
  await execFileP('useradd', ['-m', '-d', home, '-s', '/bin/sh', name]);
  const chpasswd = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
  chpasswd.stdin!.end(`${name}:${password}\n`); // via stdin, not argv
  const code = await new Promise<number | null>((r) => chpasswd.once('exit', r));
  if (code !== 0) {
    await removeUser(name);
    throw new Error(`chpasswd failed with ${code}`);
  }
  return { name, password, home };
}

async function removeUser(name: string): Promise<void> {
  // -f: remove even if a session of the user is still around; -r: its home too.
  await execFileP('userdel', ['-f', '-r', name]).catch(() => undefined);
}

/** How a test logs in to the fixture as root: its client key, its known_hosts, strict host keys. */
export function rootConnectOptions(f: SshdFixture, name: string, over: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    name,
    address: '127.0.0.1',
    port: f.port,
    user: 'root',
    auth: { kind: 'key', keyFile: f.clientKeyFile },
    knownHostsFile: f.knownHostsFile,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    ...over,
  };
}
