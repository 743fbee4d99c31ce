// Unknown host keys are settled before the run starts, so that nothing is asked while the live task list
// draws and an unattended run stops before any host is touched:
//   - a host whose address:port has no known_hosts entry gets a handshake (no login is tried on a refusal);
//   - unattended: every unknown key is reported at once with its SHA256 fingerprint, exit 2, naming
//     --accept-new-host-keys;
//   - on a terminal: each key is shown and recorded only on a yes; a no stops the run (exit 2), nothing done.
// Hosts that cannot be reached here are left to the run, which reports them as connect failures.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.js';
import type { HostKeyPolicy, Remote } from '../transport/types.js';
import { entriesFor, readKnownHostsFiles, SYSTEM_KNOWN_HOSTS } from '../transport/known-hosts.js';
import { UsageError } from './errors.js';

export interface HostKeyGate {
  hosts: readonly HostSpec[];
  inventory: Inventory;
  /** --accept-new-host-keys: nothing to settle here, the transport records new keys on first use. */
  acceptNew: boolean;
  /** Present when a person can answer. */
  confirm?: (message: string) => Promise<boolean>;
  /** Connects one host under the given policy (the CLI's connector). */
  connect(spec: HostSpec, policy: HostKeyPolicy, askHostKey: (host: string, fingerprint: string) => Promise<boolean>): Promise<Remote>;
  concurrency: number;
}

export function knownHostsFileOf(inventory: Inventory): string {
  return inventory.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
}

/** Hosts (one per address:port) that known_hosts says nothing about. */
export async function hostsWithoutKnownKey(
  hosts: readonly HostSpec[],
  knownHostsFile: string,
  systemFiles: readonly string[] = SYSTEM_KNOWN_HOSTS,
): Promise<HostSpec[]> {
  // As ssh and the connection itself do: the user's file and the system's.
  const entries = await readKnownHostsFiles([knownHostsFile, ...systemFiles]);
  const seen = new Set<string>();
  // ssh_config's UserKnownHostsFile for a host: its files instead of the inventory's.
  const own = new Map<string, Awaited<ReturnType<typeof readKnownHostsFiles>>>();
  for (const h of hosts) {
    const files = h.ssh?.knownHostsFiles;
    if (files && !own.has(files.join('\0'))) own.set(files.join('\0'), await readKnownHostsFiles([...files, ...systemFiles]));
  }
  return hosts.filter((h) => {
    const id = `${h.address}:${h.port}`;
    // StrictHostKeyChecking accept-new: the run records its key unasked.
    if (h.ssh?.acceptNewHostKeys) return false;
    const known = h.ssh?.knownHostsFiles ? own.get(h.ssh.knownHostsFiles.join('\0'))! : entries;
    if (seen.has(id) || entriesFor(known, h.address, h.port).length > 0) return false;
    seen.add(id);
    return true;
  });
}

export async function settleHostKeys(g: HostKeyGate): Promise<void> {
  if (g.acceptNew) return;
  const file = knownHostsFileOf(g.inventory);
  const unknown = await hostsWithoutKnownKey(g.hosts, file);
  if (unknown.length === 0) return;

  if (!g.confirm) {
    const found: string[] = [];
    await pool(unknown, g.concurrency, async (spec) => {
      const remote = await g
        .connect(spec, 'ask', async (host, fp) => {
          found.push(`${host} ${fp}`);
          return false;
        })
        .catch(() => undefined);
      await remote?.close().catch(() => undefined);
    });
    if (found.length === 0) return;
    found.sort();
    throw new UsageError(
      `unknown host key${found.length > 1 ? 's' : ''} (not in ${file}): ${found.join('; ')}. ` +
        'Check the fingerprint, then run again with --accept-new-host-keys to record it (or add it to that file). Nothing was changed.',
    );
  }

  // Handshakes run in parallel; the questions come one at a time, in inventory order: host i is asked only
  // once every host before it was asked or turned out to need no question.
  const settled = unknown.map(() => {
    let done!: () => void;
    const p = new Promise<void>((r) => (done = r));
    return { p, done };
  });
  const refused: string[] = [];
  let cancelled: unknown;
  const askFor = async (i: number, host: string, fp: string): Promise<boolean> => {
    try {
      await Promise.all(settled.slice(0, i).map((s) => s.p));
      if (cancelled) return false;
      const yes = await g.confirm!(`Unknown host key for ${host}: ${fp}. Check it; trust it and record it in ${file}?`);
      if (!yes) refused.push(`${host} ${fp}`);
      return yes;
    } catch (err) {
      cancelled ??= err;
      throw err;
    } finally {
      settled[i]!.done();
    }
  };
  await pool(unknown.map((spec, i) => ({ spec, i })), g.concurrency, async ({ spec, i }) => {
    try {
      const remote = await g.connect(spec, 'ask', (host, fp) => askFor(i, host, fp));
      await remote.close().catch(() => undefined);
    } catch {
      // Unreachable, auth and the like are the run's to report, host by host; a cancel is kept above.
    } finally {
      settled[i]!.done();
    }
  });
  if (cancelled) throw cancelled;
  if (refused.length) {
    throw new UsageError(`host key not accepted: ${refused.join('; ')}. Nothing was changed.`);
  }
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}
