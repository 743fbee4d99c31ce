// The transport's public surface: connect to a host, run local commands, quote shell words, known_hosts.
export type {
  AuthConfig,
  ConnectOptions,
  HostKeyPolicy,
  Remote,
  RunOptions,
  RunResult,
  UploadOptions,
} from './types.js';
export { connect } from './ssh.js';
export { TransportError, isTransportError, type TransportErrorKind } from './errors.js';
export { runLocal, type LocalRunOptions } from './local.js';
export { quote, sh, cmd, raw, type ShellArg } from './quote.js';
export {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  formatKnownHostLine,
  hostKeyName,
  parseKnownHosts,
  readKnownHosts,
  type HostKeyCheck,
  type KnownHostEntry,
} from './known-hosts.js';
