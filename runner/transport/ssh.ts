// Opening one SSH connection per host with ssh2-promise: no reconnect loops, a real handshake timeout,
// known_hosts checking, Nagle off, and typed one-line errors.
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import SSH2Promise from 'ssh2-promise';
import type { Client, ConnectConfig } from 'ssh2';
import { errorFields, TransportError } from './errors.js';
import { createHostKeyVerifier, preferredHostKeyAlgorithms, where } from './host-key-check.js';
import { appendKnownHost, fingerprint, readKnownHostsFiles, type KnownHostEntry } from './known-hosts.js';
import { SshRemote, type SshConnectionLike } from './remote.js';
import type { AuthConfig, ConnectOptions, Remote, Tunnel } from './types.js';

/** Connects and authenticates. Under the 'ask' policy an unknown key ends the first attempt (ssh2's
 * handshake timeout would run out while a person reads the question); askHostKey is asked, the key is
 * recorded if accepted, and a second connection is made that must show that same key. */
export async function connect(opts: ConnectOptions): Promise<Remote & Tunnel> {
  const cap = opts.maxChannels ?? 8;
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`maxChannels must be a positive integer, got ${cap}`);
  try {
    return await connectOnce(opts);
  } catch (e) {
    if (!(e instanceof UnknownHostKeyAsk)) throw e;
    const fp = fingerprint(e.key);
    if (!opts.askHostKey) {
      throw new TransportError('hostkey', `unknown host key for ${where(opts)}: ${fp} (no way to ask; use --accept-new-host-keys)`);
    }
    if (!(await opts.askHostKey(`${opts.name} (${opts.address}:${opts.port})`, fp))) {
      throw new TransportError('hostkey', `host key ${fp} for ${where(opts)} was not accepted`);
    }
    try {
      await appendKnownHost(opts.knownHostsFile, opts.address, opts.port, e.key, { hash: opts.hashKnownHosts });
    } catch (err) {
      const why = errorFields(err).code ?? errorFields(err).message;
      throw new TransportError('hostkey', `could not record the host key of ${where(opts)} in ${opts.knownHostsFile}: ${why}`);
    }
    // The key is known now; if the server shows another one this time, that is a "changed" refusal.
    return await connectOnce(opts);
  }
}

class UnknownHostKeyAsk extends Error {
  constructor(readonly key: Buffer) {
    super('unknown host key');
  }
}

let connectionSeq = 0;

async function connectOnce(opts: ConnectOptions): Promise<Remote & Tunnel> {
  let entries: KnownHostEntry[];
  try {
    entries = await readKnownHostsFiles([opts.knownHostsFile, ...(opts.systemKnownHostsFiles ?? [])]);
  } catch (e) {
    const why = errorFields(e).code ?? errorFields(e).message;
    throw new TransportError('hostkey', `cannot read ${opts.knownHostsFile}: ${why}`);
  }
  const verifier = createHostKeyVerifier({
    name: opts.name,
    address: opts.address,
    port: opts.port,
    knownHostsFile: opts.knownHostsFile,
    policy: opts.hostKeyPolicy,
    hashKnownHosts: opts.hashKnownHosts,
    entries,
  });
  const algos = preferredHostKeyAlgorithms(entries, opts.address, opts.port);
  // ssh2-promise caches connections by uniqueId for the whole process; a unique id per call keeps two
  // Remotes (or a retry after a refusal) from sharing a connection or a stale rejected promise.
  const uniqueId = `haforge#${++connectionSeq}:${opts.user}@${opts.address}:${opts.port}`;
  const config: ConnectConfig & { reconnect: boolean; uniqueId: string } = {
    host: opts.address,
    port: opts.port,
    username: opts.user,
    readyTimeout: opts.connectTimeoutMs,
    reconnect: false,
    uniqueId,
    tryKeyboard: false, // ssh2-promise would prompt on the process's stdin
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000, // notice a dead peer within ~1 min instead of a TCP timeout
    keepaliveCountMax: 4,
    hostVerifier: (key: Buffer, done: (ok: boolean) => void) => verifier.verify(key, done),
    // ssh2 applies the operations in key order: remove, then prepend = move to the front.
    ...(algos.length > 0 ? { algorithms: { serverHostKey: { remove: algos, prepend: algos, append: [] } } } : {}),
    ...(await authConfig(opts.auth, opts)),
  };
  // Our own socket, so Nagle is off from the first byte: set after the handshake, it left a delayed-ACK stall
  // (about 40 ms) inside every authentication. ssh2 still owns it: it waits for 'connect', times out, reports errors.
  // Behind a jump host the socket is a channel of the jump's connection (its own TCP socket has Nagle off).
  config.sock = opts.via
    ? await opts.via.forward(opts.address, opts.port, opts.connectTimeoutMs)
    : tcpConnect({ host: opts.address, port: opts.port, noDelay: true });

  const ssh = new SSH2Promise(config);
  // ssh2-promise rejects with the LAST error ssh2 reported; after a handshake timeout that is "Connection
  // lost before handshake", which hides the cause. The first one is the real reason.
  let firstError: unknown;
  const onSshEvent = (status: string, _conn: unknown, payload?: { err?: unknown }) => {
    if (status === 'disconnect' && payload?.err && firstError === undefined) firstError = payload.err;
  };
  ssh.on('ssh', onSshEvent);
  let conn: SshConnectionLike;
  try {
    conn = (await ssh.connect()) as SshConnectionLike;
  } catch (e) {
    forget(uniqueId);
    if (verifier.unknownKey) throw new UnknownHostKeyAsk(verifier.unknownKey);
    throw verifier.refusal ?? connectError(firstError ?? e, opts);
  } finally {
    ssh.off('ssh', onSshEvent);
  }
  // sshConnection (the ssh2 Client) is private in ssh2-promise's typings but is the documented way to it.
  const client = (conn as unknown as { sshConnection: Client }).sshConnection;
  return new SshRemote({
    name: opts.name,
    address: opts.address,
    port: opts.port,
    user: opts.user,
    sudoPassword: opts.sudoPassword,
    becomeRoot: opts.becomeRoot ?? true,
    maxChannels: opts.maxChannels ?? 8,
    ssh,
    conn,
    client,
    forget: () => forget(uniqueId),
  });
}

function forget(uniqueId: string): void {
  // The cache is a static map on the class; typed `any` upstream.
  const cache = (SSH2Promise as unknown as { __cache: Record<string, unknown> }).__cache;
  delete cache[uniqueId];
}

async function authConfig(auth: AuthConfig, opts: ConnectOptions): Promise<Partial<ConnectConfig>> {
  switch (auth.kind) {
    case 'password':
      return { password: auth.password };
    case 'agent': {
      const agent = auth.socket ?? process.env.SSH_AUTH_SOCK;
      if (!agent) throw new TransportError('auth', `no SSH agent for ${opts.name}: SSH_AUTH_SOCK is not set`);
      return { agent };
    }
    case 'key': {
      let privateKey: Buffer;
      try {
        privateKey = await readFile(auth.keyFile);
      } catch (e) {
        throw new TransportError('auth', `cannot read SSH key ${auth.keyFile}: ${errorFields(e).code ?? 'read error'}`);
      }
      // A key ssh2 cannot parse (or decrypt) makes connect() throw; connectError maps that to 'auth'.
      return { privateKey, ...(auth.passphrase !== undefined ? { passphrase: auth.passphrase } : {}) };
    }
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

const METHOD: Record<AuthConfig['kind'], string> = { key: 'publickey', agent: 'publickey via agent', password: 'password' };

/** Maps what ssh2 / the socket reported to a typed one-line error. Only the message, code and level of the
 * original are read: the ssh2 error never carries the config, and we do not chain it as `cause`. */
export function connectError(e: unknown, opts: ConnectOptions): TransportError {
  const hostPort = `${opts.address}:${opts.port}`;
  if (e == null) return new TransportError('unreachable', `connection closed by ${hostPort} during the handshake`);
  const { message, code, level } = errorFields(e);
  const tag = code ?? level;
  if (level === 'client-timeout' || code === 'ETIMEDOUT') {
    return new TransportError('timeout', `connect timed out after ${seconds(opts.connectTimeoutMs)}`, tag);
  }
  if (level === 'client-authentication') {
    return new TransportError('auth', `authentication failed for user ${opts.user} (${METHOD[opts.auth.kind]})`, tag);
  }
  // ssh2's key parse messages describe the format ("Encrypted ... but no passphrase given"), never key material.
  if (/privateKey/.test(message)) {
    const file = opts.auth.kind === 'key' ? ` ${opts.auth.keyFile}` : '';
    return new TransportError('auth', `cannot use SSH key${file}: ${message.replace(/^Cannot parse privateKey: /, '')}`, tag);
  }
  if (level === 'agent') return new TransportError('auth', `SSH agent error for ${opts.name}: ${message}`, tag);
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('unreachable', `connection refused (${hostPort})`, tag);
    case 'EHOSTUNREACH':
      return new TransportError('unreachable', `host unreachable (${hostPort})`, tag);
    case 'ENETUNREACH':
      return new TransportError('unreachable', `network unreachable (${hostPort})`, tag);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('unreachable', `cannot resolve ${opts.address}`, tag);
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportError('unreachable', `connection reset by ${hostPort} during the handshake`, tag);
  }
  if (level === 'client-dns') return new TransportError('unreachable', `cannot resolve ${opts.address}`, tag);
  if (level === 'handshake' || level === 'protocol') {
    return new TransportError('unreachable', `SSH handshake with ${hostPort} failed: ${message}`, tag);
  }
  return new TransportError('unreachable', `cannot connect to ${hostPort}: ${message}`, tag);
}
