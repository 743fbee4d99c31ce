// Maps an inventory host to transport options. The only place that knows both.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect, isTransportError } from '../transport/index.js';
import { JumpPool } from '../transport/jump-pool.js';
import { keptConnect, type KeeperSpec } from '../transport/keeper/client.js';
import { keeperSocketPath } from '../transport/keeper/socket-path.js';
import type { AuthConfig, ConnectOptions, HostKeyPolicy, Remote } from '../transport/types.js';
import { startKeeper } from './keeper.js';
import { recordingRemote } from '../transport/recording.js';
import { SYSTEM_KNOWN_HOSTS } from '../transport/known-hosts.js';
import type { HostSpec, Inventory } from '../inventory/types.js';
import type { Secrets } from './secrets.js';

export interface ConnectorOptions {
  inventory: Inventory;
  secrets: Secrets;
  policy: HostKeyPolicy;
  askHostKey?: (host: string, fingerprint: string) => Promise<boolean>;
  connectTimeoutS: number;
  /** Seconds the connection keeper holds connections after the run; 0: connect directly. */
  keepConnectionsS?: number;
  /** Told once when connections cannot be kept (an unsafe socket folder): the run then connects directly. */
  warn?(line: string): void;
  /** --connect-timeout was given: it wins over ssh_config's ConnectTimeout. */
  connectTimeoutGiven?: boolean;
  /** ssh's global known_hosts files (default /etc/ssh/ssh_known_hosts and ..._known_hosts2); for tests. */
  systemKnownHostsFiles?: readonly string[];
  /** Log every command and upload to this 0600 file, redacted ($HAFORGE_RECORD_COMMANDS; transport/recording.ts). */
  record?: { file: string; redact(text: string): string };
}

export function connector(o: ConnectorOptions): (spec: HostSpec) => Promise<Remote> {
  const connectHost = directOrKept(o);
  const rec = o.record;
  return rec ? async (spec) => recordingRemote(await connectHost(spec), rec.file, rec.redact) : connectHost;
}

function directOrKept(o: ConnectorOptions): (spec: HostSpec) => Promise<Remote> {
  const knownHostsFile = o.inventory.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const jumps = new JumpPool();
  const byName = new Map(o.inventory.hosts.map((h) => [h.name, h]));
  // Known hosts as ssh_config says for this host (UserKnownHostsFile, HashKnownHosts), else the inventory's file.
  const base = (spec: HostSpec) => {
    const [own, ...more] = spec.ssh?.knownHostsFiles ?? [knownHostsFile];
    return { knownHostsFile: own!, systemKnownHostsFiles: [...more, ...(o.systemKnownHostsFiles ?? SYSTEM_KNOWN_HOSTS)], hashKnownHosts: spec.ssh?.hashKnownHosts ?? false };
  };
  return async (spec) => {
    const opts: ConnectOptions = { ...base(spec), ...hostOptions(spec, o) };
    if (spec.jump?.length) {
      // A hop that is an inventory host logs in as that host does; any other with the target's login method.
      const chain = spec.jump.map((hop): ConnectOptions => {
        const inv = hop.host ? byName.get(hop.host) : undefined;
        const login = inv ? hostOptions(inv, o) : { ...hostOptions(spec, o), sudoPassword: undefined };
        return { ...base(inv ?? spec), ...login, name: inv?.name ?? hop.address, address: hop.address, port: hop.port, user: hop.user };
      });
      // Not through the connection keeper: it keeps direct connections only.
      return jumps.connect(opts, chain);
    }
    // A kept connection cannot stop to ask about a host key: asking runs connect directly.
    const keeper = o.policy === 'ask' ? undefined : keeperOf(o);
    if (!keeper) return connect(opts);
    return keptConnect(opts, keeper).catch((e: unknown) => {
      if (isTransportError(e)) throw e; // the host's own answer (auth, host key, unreachable)
      giveUpKeeping(o, (e as Error).message);
      return connect(opts);
    });
  };
}

let keeperProblem: string | undefined;

function keeperOf(o: ConnectorOptions): KeeperSpec | undefined {
  if (!o.keepConnectionsS || keeperProblem) return undefined;
  try {
    const socketPath = keeperSocketPath();
    return { socketPath, start: () => startKeeper(socketPath, o.keepConnectionsS!) };
  } catch (e) {
    giveUpKeeping(o, (e as Error).message);
    return undefined;
  }
}

/** What connects to one inventory host: address, login, sudo, host key rules and time limit. */
function hostOptions(spec: HostSpec, o: ConnectorOptions): Omit<ConnectOptions, 'knownHostsFile'> {
  const auth: AuthConfig =
    spec.auth.kind === 'key'
      ? { kind: 'key', keyFile: spec.auth.keyFile }
      : spec.auth.kind === 'agent'
        ? { kind: 'agent', socket: process.env.SSH_AUTH_SOCK }
        : { kind: 'password', password: o.secrets.byEnv[`inventory:${spec.name}`] ?? o.secrets.byEnv[spec.auth.passwordEnv] ?? '' };
  return {
    name: spec.name,
    address: spec.address,
    port: spec.port,
    user: spec.user,
    auth,
    sudoPassword: spec.sudoPasswordEnv ? o.secrets.byEnv[spec.sudoPasswordEnv] : undefined,
    // StrictHostKeyChecking accept-new in ssh_config: this host's unknown key is recorded without asking.
    hostKeyPolicy: o.policy !== 'accept-new' && spec.ssh?.acceptNewHostKeys ? 'accept-new' : o.policy,
    askHostKey: o.askHostKey,
    connectTimeoutMs: (o.connectTimeoutGiven ? o.connectTimeoutS : (spec.ssh?.connectTimeoutS ?? o.connectTimeoutS)) * 1000,
    ...(spec.ssh?.serverAliveIntervalS !== undefined ? { keepaliveIntervalMs: spec.ssh.serverAliveIntervalS * 1000 } : {}),
  };
}

/** From now on this process connects directly; said once. */
function giveUpKeeping(o: ConnectorOptions, why: string): void {
  if (keeperProblem !== undefined) return;
  keeperProblem = why;
  o.warn?.(`connections are not kept: ${why}`);
}
