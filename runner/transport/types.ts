import type { Duplex } from 'node:stream';
// The transport's contract: what the engine may ask of one host. Nothing here knows what a recipe is.

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when the command was ended by a signal or the connection dropped. */
  code: number | null;
  signal: string | null;
  /** Set when the command did not finish on its own: killed after timeoutMs, or the connection dropped. */
  interrupted?: 'timeout' | 'disconnected';
}

export interface RunOptions {
  /** Data written to the command's stdin, then stdin is closed. Never put secrets in the command string. */
  stdin?: string | Buffer;
  /** Run as root. For a non-root login this wraps the command in sudo, password through stdin. */
  sudo?: boolean;
  /** Called with each chunk of stdout/stderr as it arrives (progress on long steps). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Kill the channel after this long; the result then has code null. */
  timeoutMs?: number;
  /** What the command is for, as a recording transport logs it (recording.ts): a read (the default: checks,
   * facts, waits), a planned action's change, or haforge's own bookkeeping. Runs the same either way. */
  phase?: 'read' | 'apply' | 'bookkeeping';
}

export interface UploadOptions {
  /** Octal permission bits, e.g. 0o640 (default 0o644). Set on the temp file before the rename. */
  mode?: number;
  owner?: string;
  group?: string;
  /** Install as root (the default follows the Remote's becomeRoot); a non-root login stages the file in
   * its home and moves it into place with sudo. */
  sudo?: boolean;
  /** Time limit of the remote script that puts the file in place. */
  timeoutMs?: number;
  /** A secret's file (a key): a recording transport logs neither its content nor its hash (recording.ts). */
  sensitive?: boolean;
}

export interface Remote {
  readonly name: string;
  /** True when the login user is root (no sudo needed). */
  readonly isRoot: boolean;
  run(cmd: string, opts?: RunOptions): Promise<RunResult>;
  /** Atomic: temp file beside the target, mode/owner set, then rename. */
  upload(path: string, content: string | Buffer, opts?: UploadOptions): Promise<void>;
  close(): Promise<void>;
}

/** A connection other connections are tunnelled through (a jump host, ProxyJump): a direct-tcpip channel to
 * address:port, opened by the jump host's sshd. */
export interface Tunnel {
  readonly name: string;
  forward(address: string, port: number, timeoutMs: number): Promise<Duplex>;
}

export type AuthConfig =
  | { kind: 'key'; keyFile: string; passphrase?: string }
  | { kind: 'agent'; socket?: string }
  | { kind: 'password'; password: string };

export type HostKeyPolicy =
  /** Only keys already in known_hosts. */
  | 'strict'
  /** Unknown keys are recorded (trust on first use); changed keys are still refused. */
  | 'accept-new'
  /** Unknown keys are shown to askHostKey; changed keys are still refused. */
  | 'ask';

export interface ConnectOptions {
  name: string;
  address: string;
  port: number;
  user: string;
  auth: AuthConfig;
  sudoPassword?: string;
  knownHostsFile: string;
  hostKeyPolicy: HostKeyPolicy;
  askHostKey?: (host: string, fingerprint: string) => Promise<boolean>;
  connectTimeoutMs: number;
  /** ServerAliveInterval: a keepalive after this long without traffic (0: none). Default 15 s. */
  keepaliveIntervalMs?: number;
  /** Parallel channels on the one connection; stays below OpenSSH's MaxSessions (10). */
  maxChannels?: number;
  /** Run every command as root (sudo for a non-root login) unless a run says `sudo: false`. Default true. */
  becomeRoot?: boolean;
  /** Write new known_hosts entries hashed (`|1|...`), like OpenSSH's HashKnownHosts. Default false. */
  hashKnownHosts?: boolean;
  /** Reach the host through this jump host's connection instead of a TCP connection from here. */
  via?: Tunnel;
  /** Also trusted, never written: ssh's global files (/etc/ssh/ssh_known_hosts, ..._known_hosts2). Default none. */
  systemKnownHostsFiles?: readonly string[];
}
