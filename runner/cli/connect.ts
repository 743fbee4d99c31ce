// Maps an inventory host to transport options. The only place that knows both.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../transport/index.js';
import type { AuthConfig, HostKeyPolicy, Remote } from '../transport/types.js';
import type { HostSpec, Inventory } from '../inventory/types.js';
import type { Secrets } from './secrets.js';

export interface ConnectorOptions {
  inventory: Inventory;
  secrets: Secrets;
  policy: HostKeyPolicy;
  askHostKey?: (host: string, fingerprint: string) => Promise<boolean>;
  connectTimeoutS: number;
}

export function connector(o: ConnectorOptions): (spec: HostSpec) => Promise<Remote> {
  const knownHostsFile = o.inventory.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  return (spec) => {
    const auth: AuthConfig =
      spec.auth.kind === 'key'
        ? { kind: 'key', keyFile: spec.auth.keyFile }
        : spec.auth.kind === 'agent'
          ? { kind: 'agent', socket: process.env.SSH_AUTH_SOCK }
          : { kind: 'password', password: o.secrets.byEnv[`inventory:${spec.name}`] ?? o.secrets.byEnv[spec.auth.passwordEnv] ?? '' };
    return connect({
      name: spec.name,
      address: spec.address,
      port: spec.port,
      user: spec.user,
      auth,
      sudoPassword: spec.sudoPasswordEnv ? o.secrets.byEnv[spec.sudoPasswordEnv] : undefined,
      knownHostsFile,
      hostKeyPolicy: o.policy,
      askHostKey: o.askHostKey,
      connectTimeoutMs: o.connectTimeoutS * 1000,
    });
  };
}
