// Connections through jump hosts (ssh -J): one connection per jump host, shared by every host behind it, opened
// on first use and closed when the last host behind it closes. Host keys of jump hosts are checked by the same
// rules as any host's (connect() does it). Each target is one direct-tcpip channel of the jump's connection;
// sshd's MaxSessions limits sessions, not such channels, so 20 web nodes behind one bastion need no more.
import { connect } from './ssh.js';
import type { ConnectOptions, Remote, RunOptions, RunResult, Tunnel, UploadOptions } from './types.js';

type Hop = Remote & Tunnel;

export class JumpPool {
  private readonly open = new Map<string, { hop: Promise<Hop>; users: number }>();

  constructor(private readonly connectTo: (o: ConnectOptions) => Promise<Hop> = connect) {}

  /** `chain`: the jump hosts, the first hop first (reached directly), each one reached through the one before. */
  async connect(target: ConnectOptions, chain: readonly ConnectOptions[]): Promise<Remote> {
    if (chain.length === 0) return this.connectTo(target);
    const keys: string[] = [];
    let via: Tunnel | undefined;
    try {
      for (const hop of chain) {
        keys.push(`${keys.at(-1) ?? ''}>${hop.user}@${hop.address}:${hop.port}`);
        via = await this.acquire(keys.at(-1)!, { ...hop, ...(via ? { via } : {}) });
      }
      const remote = await this.connectTo({ ...target, via });
      return new JumpedRemote(remote, () => this.releaseAll(keys));
    } catch (e) {
      await this.releaseAll(keys);
      throw e;
    }
  }

  private acquire(key: string, o: ConnectOptions): Promise<Hop> {
    let entry = this.open.get(key);
    if (!entry) {
      entry = { hop: this.connectTo(o), users: 0 };
      this.open.set(key, entry);
      // A jump that failed to connect is not kept: the next host behind it tries again.
      entry.hop.catch(() => this.open.delete(key));
    }
    entry.users++;
    return entry.hop;
  }

  /** Releases the hops the last first (a hop closes only after the ones it carries). */
  private async releaseAll(keys: readonly string[]): Promise<void> {
    for (const key of [...keys].reverse()) {
      const entry = this.open.get(key);
      if (!entry || --entry.users > 0) continue;
      this.open.delete(key);
      await entry.hop.then((h) => h.close(), () => undefined);
    }
  }
}

/** A host reached through jump hosts: closing it lets go of them. */
class JumpedRemote implements Remote {
  readonly name: string;
  readonly isRoot: boolean;
  #released = false;
  constructor(
    private readonly inner: Remote,
    private readonly release: () => Promise<void>,
  ) {
    this.name = inner.name;
    this.isRoot = inner.isRoot;
  }
  run(cmd: string, opts?: RunOptions): Promise<RunResult> {
    return this.inner.run(cmd, opts);
  }
  upload(path: string, content: string | Buffer, opts?: UploadOptions): Promise<void> {
    return this.inner.upload(path, content, opts);
  }
  async close(): Promise<void> {
    await this.inner.close();
    if (this.#released) return;
    this.#released = true;
    await this.release();
  }
}
