// The connection keeper: a background process that holds SSH connections open between haforge runs, as
// OpenSSH's ControlPersist does for Ansible. A run asks it for a host; the same host with the same login,
// key, secrets and host-key rules gets the connection already made, so a re-run pays no SSH login (on the
// lab, the login is most of what a no-op costs each host). It leaves once no run has used it for idleS.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { TransportError } from '../errors.js';
import type { ConnectOptions, Remote } from '../types.js';
import { onMessages, send, type KeptConnectOptions, type Reply, type Request, type WireError } from './protocol.js';

export interface KeeperOptions {
  socketPath: string;
  /** Seconds without any run connected before the keeper closes every connection and exits. */
  idleS: number;
  connect(o: ConnectOptions): Promise<Remote>;
  log?(line: string): void;
  /** Close everything and leave on SIGTERM/SIGINT/SIGHUP (the background process; not inside tests). */
  handleSignals?: boolean;
}

/** A Remote that can say whether its connection is still there (SshRemote can). */
type Kept = Remote & { readonly usable?: boolean; answers?(timeoutMs: number): Promise<boolean> };

/** How long a kept connection may take to answer its keepalive before it is replaced. */
const PROBE_MS = 2000;

/** The same host reached the same way, secrets included (hashed: the key is never the secret itself). */
export function connectionKey(o: KeptConnectOptions): string {
  const fields = Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

function wireError(e: unknown): WireError {
  if (e instanceof TransportError) return { kind: e.kind, message: e.message, ...(e.code ? { code: e.code } : {}) };
  return { kind: 'other', message: e instanceof Error ? e.message : String(e) };
}

/** Serves until idle; resolves false at once when another keeper already answers on the socket. */
export async function serveKeeper(o: KeeperOptions): Promise<boolean> {
  const log = o.log ?? (() => undefined);
  const remotes = new Map<string, Promise<Kept>>();
  const clients = new Set<Socket>();
  let idleTimer: NodeJS.Timeout | undefined;
  let socketInode = -1;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const server = createServer((socket) => {
    clients.add(socket);
    clearTimeout(idleTimer);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clients.delete(socket);
      if (clients.size === 0) armIdle();
    });
    onMessages<Request>(socket, (req) => void handle(socket, req));
  });

  let stopping = false;
  const armIdle = () => {
    if (stopping) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void stop('idle'), o.idleS * 1000);
  };

  async function stop(why: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    log(`keeper: exiting (${why})`);
    clearTimeout(idleTimer);
    server.close();
    removeSocket(o.socketPath, socketInode);
    for (const c of clients) c.destroy();
    await Promise.allSettled([...remotes.values()].map(async (r) => (await r).close()));
    finish();
  }

  async function remoteFor(opts: KeptConnectOptions): Promise<{ key: string; remote: Kept; reused: boolean }> {
    const key = connectionKey(opts);
    const known = remotes.get(key);
    if (known) {
      const remote = await known.catch(() => undefined);
      if (remote && remote.usable !== false && (await (remote.answers?.(PROBE_MS) ?? true))) return { key, remote, reused: true };
      if (remote) void remote.close().catch(() => undefined);
    }
    const made = o.connect(opts);
    remotes.set(key, made);
    try {
      return { key, remote: await made, reused: false };
    } catch (e) {
      if (remotes.get(key) === made) remotes.delete(key);
      throw e;
    }
  }

  async function handle(socket: Socket, req: Request): Promise<void> {
    const reply = (r: Reply) => send(socket, r);
    try {
      switch (req.op) {
        case 'open': {
          if (req.opts.hostKeyPolicy === 'ask') throw new TransportError('hostkey', 'a kept connection cannot ask about host keys');
          const { key, remote, reused } = await remoteFor(req.opts);
          log(`keeper: ${reused ? 'reusing' : 'opened'} ${req.opts.name}`);
          return reply({ id: req.id, ok: true, handle: key, isRoot: remote.isRoot, reused });
        }
        case 'run': {
          const remote = await remotes.get(req.handle);
          if (!remote) throw new TransportError('disconnected', 'the kept connection is gone');
          const result = await remote.run(req.cmd, {
            ...(req.stdin !== undefined ? { stdin: Buffer.from(req.stdin, 'base64') } : {}),
            ...(req.sudo !== undefined ? { sudo: req.sudo } : {}),
            ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
            ...(req.stream ? { onOutput: (chunk: string, stream: 'stdout' | 'stderr') => reply({ id: req.id, chunk, stream }) } : {}),
          });
          return reply({ id: req.id, ok: true, result });
        }
        case 'upload': {
          const remote = await remotes.get(req.handle);
          if (!remote) throw new TransportError('disconnected', 'the kept connection is gone');
          await remote.upload(req.path, Buffer.from(req.content, 'base64'), req.opts);
          return reply({ id: req.id, ok: true });
        }
        case 'exit':
          reply({ id: req.id, ok: true });
          return await stop('asked to');
      }
    } catch (e) {
      reply({ id: req.id, ok: false, error: wireError(e) });
    }
  }

  if (!(await listen(server, o.socketPath))) return false;
  chmodSync(o.socketPath, 0o600);
  socketInode = lstatSync(o.socketPath).ino;
  if (o.handleSignals) for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void stop(signal));
  armIdle();
  log(`keeper: listening on ${o.socketPath}, leaving after ${o.idleS} s unused`);
  await finished;
  return true;
}

/** Listens on path; a socket file left by a keeper that died is replaced, one that answers is not. */
async function listen(server: Server, path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(path, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (!err) return true;
    if (err.code !== 'EADDRINUSE' || (await answers(path))) return false;
    try {
      unlinkSync(path);
    } catch {
      /* gone already */
    }
  }
  return false;
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(path, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Removes the socket file if it is still the one this keeper made (a newer keeper may have replaced it). */
function removeSocket(path: string, inode: number): void {
  try {
    if (lstatSync(path).ino === inode) unlinkSync(path);
  } catch {
    /* already gone */
  }
}
