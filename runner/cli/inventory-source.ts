// An inventory file, static or with a dynamic source: its shape is checked first (a bad file never reaches the
// cloud), then `source: cloudstack` lists the VMs, then the usual checks run on the filled-in groups. Every problem,
// the cloud's included, is an InventoryError naming the file and the field: exit 2, no host touched.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { CloudStackClient } from '../cloud/cloudstack/client.js';
import { resolveCredentials } from '../cloud/cloudstack/credentials.js';
import { isCloudStackError } from '../cloud/cloudstack/errors.js';
import { resolveCloudStackHosts } from '../cloud/cloudstack/inventory.js';
import { buildInventory, InventoryError, readInventoryInput, readInventorySource, type Inventory } from '../inventory/index.js';
import type { CloudStackInput } from '../inventory/cloudstack-schema.js';

export interface SourceOptions {
  env?: Record<string, string | undefined>;
  home?: string;
  /** -F: the ssh_config file (or 'none') instead of the inventory's ssh.config and ssh's defaults. */
  sshConfigFile?: string;
}

export interface LoadedInventory {
  inventory: Inventory;
  /** host -> what the dynamic source knows of it (empty for a static inventory). */
  facts: Record<string, Record<string, unknown>>;
}

/** The client for an inventory's cloudstack block: credentials, CA, http allowed or not. */
export function cloudStackClientFor(file: string, cfg: CloudStackInput, o: SourceOptions = {}): CloudStackClient {
  const fail = (path: string, e: unknown) => new InventoryError(file, [{ path, message: (e as Error).message }]);
  let creds;
  try {
    creds = resolveCredentials({ env: o.env ?? process.env, home: o.home ?? homedir(), profile: cfg.profile });
  } catch (e) {
    throw fail(cfg.profile ? 'cloudstack.profile' : 'cloudstack', e);
  }
  let ca: string | undefined;
  if (cfg.ca_file) {
    const path = resolve(dirname(resolve(file)), cfg.ca_file);
    try {
      ca = readFileSync(path, 'utf8');
    } catch (e) {
      throw fail('cloudstack.ca_file', new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    }
  }
  try {
    return new CloudStackClient({ endpoint: creds.endpoint, apiKey: creds.apiKey, secretKey: creds.secretKey, allowHttp: cfg.allow_http, ...(ca ? { ca } : {}), ...(cfg.timeout ? { timeoutMs: cfg.timeout * 1000 } : {}) });
  } catch (e) {
    throw fail('cloudstack', new Error(`${(e as Error).message} (endpoint from ${creds.source})`));
  }
}

export async function loadInventorySource(file: string, o: SourceOptions = {}): Promise<LoadedInventory> {
  const data = readInventoryInput(readInventorySource(file), file);
  const opts = { file, env: o.env, home: o.home, ...(o.sshConfigFile !== undefined ? { sshConfigFile: o.sshConfigFile } : {}) };
  if (data.source !== 'cloudstack') {
    if (data.cloudstack) throw new InventoryError(file, [{ path: 'cloudstack', message: 'read only with source: cloudstack at the top level; add it, or remove the block' }]);
    return { inventory: buildInventory(data, opts), facts: {} };
  }
  const client = cloudStackClientFor(file, data.cloudstack ?? {}, o);
  let resolved;
  try {
    resolved = await resolveCloudStackHosts(data, client);
  } catch (e) {
    if (isCloudStackError(e)) throw new InventoryError(file, [{ path: 'cloudstack', message: e.message }]);
    throw e;
  }
  const inventory = buildInventory(resolved.data, opts);
  inventory.warnings.push(...resolved.warnings.map((w) => `${file}: ${w}`));
  return { inventory, facts: resolved.facts };
}
