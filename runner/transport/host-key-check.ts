// The hostVerifier given to ssh2: applies the known_hosts policy during the handshake and remembers why it
// refused, because ssh2 itself only reports "Host denied (verification failed)".
import type { ServerHostKeyAlgorithm, VerifyCallback } from 'ssh2';
import { TransportError } from './errors.js';
import {
  appendKnownHost,
  checkHostKey,
  entriesFor,
  fingerprint,
  type KnownHostEntry,
} from './known-hosts.js';
import type { HostKeyPolicy } from './types.js';

export interface HostKeyCheckOptions {
  name: string;
  address: string;
  port: number;
  knownHostsFile: string;
  policy: HostKeyPolicy;
  hashKnownHosts?: boolean;
  entries: KnownHostEntry[];
}

export interface HostKeyVerifier {
  verify(key: Buffer, done: VerifyCallback): void;
  /** Set when verify() said no. */
  refusal?: TransportError;
  /** Under 'ask': the unknown key the user has to decide on (the connection was refused meanwhile). */
  unknownKey?: Buffer;
}

// ssh2 negotiates host key algorithms in its own order; a host whose known key is RSA would then show its
// ed25519 key and look "changed". Asking for the known types first avoids that, as OpenSSH does.
const ALGOS_FOR_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export function preferredHostKeyAlgorithms(
  entries: KnownHostEntry[],
  address: string,
  port: number,
): ServerHostKeyAlgorithm[] {
  const out: ServerHostKeyAlgorithm[] = [];
  for (const e of entriesFor(entries, address, port)) {
    for (const a of ALGOS_FOR_TYPE[e.keyType] ?? []) if (!out.includes(a)) out.push(a);
  }
  return out;
}

export function where(o: { name: string; address: string; port: number }): string {
  return `${o.name} (${o.address}:${o.port})`;
}

export function createHostKeyVerifier(o: HostKeyCheckOptions): HostKeyVerifier {
  const v: HostKeyVerifier = {
    verify(key, done) {
      const offered = fingerprint(key);
      const check = checkHostKey(o.entries, o.address, o.port, key);
      switch (check.status) {
        case 'known':
          return done(true);
        case 'revoked':
          v.refusal = new TransportError(
            'hostkey',
            `HOST KEY REVOKED for ${where(o)}: ${offered} is marked @revoked in ${o.knownHostsFile} (line ${check.entry.line})`,
          );
          return done(false);
        case 'changed': {
          const known = check.known.map((e) => fingerprint(e.key)).join(', ');
          // The old key may be in the user's file or the system's: name each file with its lines.
          const files = [...new Set(check.known.map((e) => e.file ?? o.knownHostsFile))];
          const lines = files.map((f) => `${f} (line ${check.known.filter((e) => (e.file ?? o.knownHostsFile) === f).map((e) => e.line).join(', ')})`);
          v.refusal = new TransportError(
            'hostkey',
            `HOST KEY CHANGED for ${where(o)}: known ${known}, offered ${offered} — if this is expected, ` +
              `remove the old line from ${lines.join(' and ')}`,
          );
          return done(false);
        }
        case 'unknown':
          if (o.policy === 'accept-new') {
            appendKnownHost(o.knownHostsFile, o.address, o.port, key, { hash: o.hashKnownHosts }).then(
              () => done(true),
              (e: unknown) => {
                v.refusal = new TransportError(
                  'hostkey',
                  `could not record the host key of ${where(o)} in ${o.knownHostsFile}: ${(e as Error).message}`,
                );
                done(false);
              },
            );
            return;
          }
          if (o.policy === 'ask') v.unknownKey = key;
          v.refusal = new TransportError(
            'hostkey',
            `unknown host key for ${where(o)}: ${offered} is not in ${o.knownHostsFile}; ` +
              `check it and run again with --accept-new-host-keys to record it`,
          );
          return done(false);
      }
    },
  };
  return v;
}
