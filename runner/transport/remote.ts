// One live SSH connection as the engine sees it: capped parallel channels, sudo when needed, atomic uploads.
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type SSH2Promise from 'ssh2-promise';
import { errorFields, TransportError } from './errors.js';
import { driveChannel, withRemoteTimeout } from './exec.js';
import { Semaphore } from './semaphore.js';
import { newSudoMarkers, sudoWrap } from './sudo.js';
import { finishFromStaging, finishInPlace, tempBeside, tempName } from './upload-plan.js';
import type { Duplex } from 'node:stream';
import type { Remote, RunOptions, RunResult, Tunnel, UploadOptions } from './types.js';

/** The part of ssh2-promise's SSHConnection we use (its class is not exported as a type we can name). */
export interface SshConnectionLike {
  spawn(cmd: string, params?: string[], options?: object): Promise<ClientChannel>;
}

export interface SshRemoteInit {
  name: string;
  address: string;
  port: number;
  user: string;
  sudoPassword?: string;
  becomeRoot: boolean;
  maxChannels: number;
  ssh: SSH2Promise;
  conn: SshConnectionLike;
  client: Client;
  /** Drops the ssh2-promise cache entry (it holds the config, password included). */
  forget: () => void;
}

const OPEN_RETRY_DELAYS_MS = [5, 10, 20, 40, 80, 160, 320];

export class SshRemote implements Remote, Tunnel {
  readonly name: string;
  readonly isRoot: boolean;
  private readonly channels: Semaphore;
  private closed = false;
  private lost = false;
  private readonly clientClosed: Promise<void>;

  // A #private field: util.inspect and JSON.stringify of a Remote must not reach the ssh2 config inside
  // (password, private key, passphrase) or the sudo password.
  readonly #o: SshRemoteInit;

  constructor(o: SshRemoteInit) {
    this.#o = o;
    this.name = o.name;
    this.isRoot = o.user === 'root';
    this.channels = new Semaphore(o.maxChannels);
    this.clientClosed = new Promise((resolve) =>
      o.client.once('close', () => {
        this.lost = true;
        o.forget();
        resolve();
      }),
    );
    // ssh2 emits 'error' on keepalive timeout or a reset; 'close' follows and marks us lost.
    o.client.on('error', () => undefined);
  }

  /** False once closed or the connection dropped (the connection keeper then makes a new one). */
  get usable(): boolean {
    return !this.closed && !this.lost;
  }

  /**
   * Does the server still answer? One SSH keepalive request (answered by sshd itself: no process on the host),
   * for a connection that sat idle: a host that went away without closing it (a reboot, a network cut) would
   * otherwise stall the next command until the keepalives give up. Uses ssh2's own keepalive mechanism (its
   * reply queue and ping), which is not public API: if it is not there, the answer is "yes", as before.
   */
  answers(timeoutMs: number): Promise<boolean> {
    if (!this.usable) return Promise.resolve(false);
    const inner = this.#o.client as unknown as { _callbacks?: unknown[]; _protocol?: { ping?: () => void } };
    if (!Array.isArray(inner._callbacks) || typeof inner._protocol?.ping !== 'function') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      inner._callbacks!.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      inner._protocol!.ping!();
    });
  }

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    this.assertOpen();
    const elevate = (opts.sudo ?? this.#o.becomeRoot) && !this.isRoot;
    const timed = opts.timeoutMs !== undefined ? withRemoteTimeout(cmd, opts.timeoutMs) : cmd;
    if (!elevate) {
      return this.channels.with(async () => {
        this.assertOpen(); // we may have waited for a slot while the connection went away
        return driveChannel(await this.openChannel(timed), opts);
      });
    }
    return this.withSudo(() =>
      this.channels.with(async () => {
        this.assertOpen();
        const markers = newSudoMarkers();
        const channel = await this.openChannel(sudoWrap(timed, markers));
        return driveChannel(channel, opts, {
          markers,
          password: this.#o.sudoPassword,
          user: this.#o.user,
          host: this.name,
        });
      }),
    );
  }

  #sudoWorks = false;
  #sudoRefused?: TransportError;
  #sudoTurn: Promise<void> = Promise.resolve();

  /** sudo is tried once per connection: until one sudo has worked, sudo runs go one at a time, and once sudo
   * refused (wrong or missing password, not allowed) every later sudo run fails at once with that reason.
   * Otherwise parallel commands (a step's facts) would each try the password: 4 failed attempts for one
   * run on the lab, and servers lock accounts out after a few. */
  private async withSudo<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#sudoRefused) throw this.#sudoRefused;
    if (this.#sudoWorks) return fn();
    const previous = this.#sudoTurn;
    let release!: () => void;
    this.#sudoTurn = new Promise((r) => (release = r));
    try {
      await previous;
      if (this.#sudoRefused) throw this.#sudoRefused;
      if (this.#sudoWorks) {
        release(); // no need to hold the others back any more
        return await fn();
      }
      try {
        const result = await fn();
        this.#sudoWorks = true;
        return result;
      } catch (e) {
        if (e instanceof TransportError && e.kind === 'sudo') this.#sudoRefused = e;
        throw e;
      }
    } finally {
      release();
    }
  }

  /** A channel to address:port opened by this host (ssh -J): the jump host's sshd makes the TCP connection. A
   * target that does not answer (a bastion's TCP connect can wait minutes) is given up after timeoutMs. */
  async forward(address: string, port: number, timeoutMs: number): Promise<Duplex> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const open = call<ClientChannel>((cb) => this.#o.client.forwardOut('127.0.0.1', 0, address, port, cb));
    const late = new Promise<never>((_ok, fail) => {
      timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      const channel = await Promise.race([open, late]);
      // When the target hangs up (sshd's MaxStartups drops it, say) the channel ends but need not close: ssh2
      // then stops its handshake timer at 'end' and waits for a 'close' that never comes. Closing it here
      // turns that into "connection closed during the handshake".
      channel.once('end', () => channel.destroy());
      return channel;
    } catch (e) {
      // A channel that opens after all is closed at once, not left on the jump connection.
      open.then((ch) => ch.close(), () => undefined);
      if (this.lost) throw new TransportError('disconnected', `connection to jump host ${this.name} was lost`);
      const why = errorFields(e).message.replace(/^\(SSH\) Channel open failure: /, '') || 'refused';
      throw new TransportError('unreachable', `cannot reach ${address}:${port} through jump host ${this.name}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async upload(path: string, content: string | Buffer, opts: UploadOptions = {}): Promise<void> {
    this.assertOpen();
    if (!path.startsWith('/')) throw new TransportError('upload', `upload target must be an absolute path: ${path}`);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const placement = { mode: opts.mode ?? 0o644, owner: opts.owner, group: opts.group };
    const elevate = (opts.sudo ?? this.#o.becomeRoot) && !this.isRoot;

    // A non-root login that needs root cannot write beside /etc/...: it stages the file in its home
    // (sftp's working directory) and root installs it from there.
    const tmp = await this.sftpWrite(elevate ? tempName() : tempBeside(path), data, path, opts.timeoutMs);
    const script = elevate ? finishFromStaging(tmp, path, placement) : finishInPlace(tmp, path, placement);
    try {
      await this.finish(path, script, elevate, opts.timeoutMs);
    } catch (e) {
      // The scripts remove their temp files when a step fails, but they may never have run (sudo
      // refused, channel or connection trouble): remove it over SFTP too, best effort.
      await this.sftpUnlink(tmp);
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.#o.ssh.close();
    } catch {
      /* already gone */
    }
    // Wait for the socket to really close (bounded), so callers can exit the process cleanly.
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.clientClosed, new Promise<void>((r) => (t = setTimeout(r, 2000)))]);
    if (t) clearTimeout(t);
    this.#o.forget();
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('disconnected', `connection to ${this.name} is closed`);
    if (this.lost) {
      throw new TransportError('disconnected', `connection to ${this.name} (${this.#o.address}:${this.#o.port}) was lost`);
    }
  }

  private async openChannel(cmd: string): Promise<ClientChannel> {
    return this.retryOpen('a channel', () => this.#o.conn.spawn(cmd));
  }

  /** sshd frees a closed session only after it has handled the rest of the packets it read with our CLOSE,
   * so an OPEN sent right behind the CLOSE can find MaxSessions still full ("no more sessions" on the
   * server, "Channel open failure" here); seen here within a few bursts of 20 runs at 8 channels.
   * A short retry absorbs that lag. */
  private async retryOpen<T>(what: string, open: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await open();
      } catch (e) {
        const msg = errorFields(e).message;
        if (this.lost || /not connected/i.test(msg)) {
          this.lost = true;
          throw new TransportError('disconnected', `connection to ${this.name} (${this.#o.address}:${this.#o.port}) was lost`);
        }
        if (!/channel open failure/i.test(msg) || attempt >= OPEN_RETRY_DELAYS_MS.length) {
          throw new TransportError('channel', `cannot open ${what} on ${this.name}: ${msg}`);
        }
        await new Promise((ok) => setTimeout(ok, OPEN_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private async finish(target: string, script: string, sudo: boolean, timeoutMs?: number): Promise<void> {
    const r = await this.run(script, { sudo, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    if (r.code !== 0) {
      const why = r.stderr.trim().split('\n').pop() || (r.interrupted ?? `exit ${r.code ?? r.signal}`);
      throw new TransportError('upload', `upload of ${target} to ${this.name} failed: ${why}`);
    }
  }

  /** Writes `data` to a new file (0600, must not exist yet) and returns its absolute path. On failure the
   * partial file is removed. */
  private async sftpWrite(tmp: string, data: Buffer, target: string, timeoutMs?: number): Promise<string> {
    return this.withSftp(async (sftp) => {
      // A write that stalls (a host that stopped reading) is given up after timeoutMs, like a command; ending
      // the session does not fail ssh2's pending writeFile, hence the race.
      let stalled = false;
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_ok, fail) => {
        if (timeoutMs !== undefined) timer = setTimeout(() => ((stalled = true), fail(new Error('stalled'))), timeoutMs);
      });
      try {
        const write = call<void>((cb) => sftp.writeFile(tmp, data, { mode: 0o600, flag: 'wx' }, cb));
        write.catch(() => undefined); // it may fail after the limit won the race: not an unhandled rejection
        await Promise.race([write, limit]);
        clearTimeout(timer);
        return tmp.startsWith('/') ? tmp : await call<string>((cb) => sftp.realpath(tmp, cb));
      } catch (e) {
        clearTimeout(timer);
        // Not on a stalled session (the unlink would wait behind the writes): a later run removes the temp.
        if (!stalled) await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
        const why = stalled ? `not written within ${timeoutMs! / 1000} s (--command-timeout)` : errorFields(e).message;
        throw new TransportError('upload', `upload of ${target} to ${this.name} failed: ${why}`);
      }
    });
  }

  private async sftpUnlink(path: string): Promise<void> {
    if (this.lost || this.closed) return;
    await this.withSftp((sftp) => call<void>((cb) => sftp.unlink(path, cb))).catch(() => undefined);
  }

  /** One SFTP session per upload, inside the channel cap (an SFTP session counts toward MaxSessions). */
  private withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.channels.with(async () => {
      this.assertOpen();
      const sftp = await this.retryOpen('an SFTP session', () => call<SFTPWrapper>((cb) => this.#o.client.sftp(cb)));
      try {
        return await fn(sftp);
      } finally {
        sftp.end();
      }
    });
  }
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}
