// A Remote whose SSH connection lives in the connection keeper (server.ts): commands and uploads go to the
// keeper over its socket and come back as if run here. One socket per process serves every host.
import { connect as netConnect, type Socket } from 'node:net';
import { TransportError } from '../errors.js';
import type { ConnectOptions, Remote, RunOptions, RunResult, UploadOptions } from '../types.js';
import { onMessages, send, type OkReply, type Reply, type Request } from './protocol.js';

export interface KeeperSpec {
  socketPath: string;
  /** Starts a keeper (detached) when none answers; called at most once per socket per process. */
  start(): void;
  /** How long to wait for a keeper just started to answer. */
  startTimeoutMs?: number;
}

type Pending = { op: Request['op']; resolve(r: OkReply): void; reject(e: Error): void; onChunk?(chunk: string, stream: 'stdout' | 'stderr'): void };
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const GONE = 'the connection keeper went away';

class KeeperLink {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  constructor(private readonly socket: Socket) {
    socket.unref(); // an idle link must not keep a finished run alive
    onMessages<Reply>(socket, (m) => this.onReply(m));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      links.delete(this);
      // A command in flight lost its connection; a host not yet opened can still be reached directly (plain Error).
      for (const p of this.pending.values()) p.reject(p.op === 'open' ? new Error(GONE) : new TransportError('disconnected', GONE));
      this.pending.clear();
    });
  }

  hangUp(): void {
    this.socket.destroy();
  }

  request(body: RequestBody, onChunk?: Pending['onChunk']): Promise<OkReply> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(body.op === 'open' ? new Error(GONE) : new TransportError('disconnected', GONE));
      this.pending.set(id, { op: body.op, resolve, reject, ...(onChunk ? { onChunk } : {}) });
      this.socket.ref();
      send(this.socket, { ...body, id } as Request);
    });
  }

  private onReply(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if ('chunk' in m) return p.onChunk?.(m.chunk, m.stream);
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.socket.unref();
    if (m.ok) p.resolve(m);
    else {
      const e = m.error;
      p.reject(e.kind === 'other' ? new Error(e.message) : new TransportError(e.kind, e.message, e.code));
    }
  }
}

const links = new Set<KeeperLink>();
const linking = new Map<string, Promise<KeeperLink>>();
const started = new Set<string>();

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function linkTo(k: KeeperSpec): Promise<KeeperLink> {
  const deadline = Date.now() + (k.startTimeoutMs ?? 5000);
  for (;;) {
    try {
      const link = new KeeperLink(await dial(k.socketPath));
      links.add(link);
      return link;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw e;
      if (!started.has(k.socketPath)) {
        started.add(k.socketPath);
        k.start();
      }
      if (Date.now() > deadline) throw new Error(`no connection keeper answered on ${k.socketPath}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function link(k: KeeperSpec): Promise<KeeperLink> {
  let p = linking.get(k.socketPath);
  if (!p) {
    p = linkTo(k);
    linking.set(k.socketPath, p);
    // A link that failed or closed is made again by the next caller.
    p.then((l) => void l, () => linking.delete(k.socketPath));
  }
  return p.then((l) => (links.has(l) ? l : (linking.delete(k.socketPath), link(k))));
}

class KeptRemote implements Remote {
  private closed = false;
  constructor(
    readonly name: string,
    readonly isRoot: boolean,
    private readonly link: KeeperLink,
    private readonly handle: string,
  ) {}

  async run(cmd: string, opts: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new TransportError('disconnected', `connection to ${this.name} is closed`);
    const stdin = opts.stdin === undefined ? undefined : Buffer.from(opts.stdin).toString('base64');
    const r = await this.link.request(
      {
        op: 'run',
        handle: this.handle,
        cmd,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(opts.sudo !== undefined ? { sudo: opts.sudo } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.onOutput ? { stream: true } : {}),
      },
      opts.onOutput,
    );
    return r.result!;
  }

  async upload(path: string, content: string | Buffer, opts: UploadOptions = {}): Promise<void> {
    if (this.closed) throw new TransportError('disconnected', `connection to ${this.name} is closed`);
    await this.link.request({ op: 'upload', handle: this.handle, path, content: Buffer.from(content).toString('base64'), opts });
  }

  /** The connection stays with the keeper for the next run. */
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Connects through the keeper, starting one if needed. Throws what the SSH connection would have thrown. */
export async function keptConnect(opts: ConnectOptions, k: KeeperSpec): Promise<Remote> {
  const { askHostKey: _ask, ...wire } = opts;
  const l = await link(k);
  // The keeper connects within the connect timeout and probes within 2 s: one that says nothing far longer is
  // stuck, and the caller connects directly instead (a plain Error, not the host's TransportError).
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the connection keeper did not answer for ${opts.name}`));
      l.hangUp(); // or the request left pending would keep this process alive after the run
    }, opts.connectTimeoutMs + 5000);
  });
  try {
    const r = await Promise.race([l.request({ op: 'open', opts: wire }), stuck]);
    return new KeptRemote(opts.name, r.isRoot ?? false, l, r.handle!);
  } finally {
    clearTimeout(timer);
  }
}

/** Hangs up on every keeper (a run's end does this by exiting); the kept connections stay with the keeper. */
export function dropKeeperLinks(): void {
  for (const l of links) l.hangUp();
  linking.clear();
}

/** Asks a keeper to close its connections and exit; false when none answered. */
export async function stopKeeper(socketPath: string): Promise<boolean> {
  let s: Socket;
  try {
    s = await dial(socketPath);
  } catch {
    return false;
  }
  const l = new KeeperLink(s);
  await l.request({ op: 'exit' }).catch(() => undefined);
  s.destroy();
  return true;
}
