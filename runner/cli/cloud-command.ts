// `haforge cloud up|down -i FILE`: provisioning from the inventory's cloudstack block (runner/cloud/cloudstack/
// provision.ts). Bad input (the file, credentials, an unknown name) is exit 2 before anything is created; a failure
// halfway is exit 1, and what was made is tagged, so the next `up` carries on and `down` removes it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isCloudStackError } from '../cloud/cloudstack/errors.js';
import { cloudDown, cloudDownPlan, cloudUp } from '../cloud/cloudstack/provision.js';
import { InventoryError, readInventoryInput, readInventorySource } from '../inventory/index.js';
import type { CliOptions } from './args.js';
import { chooseInventory } from './default-inventory.js';
import { UsageError } from './errors.js';
import { cloudStackClientFor } from './inventory-source.js';

export interface CloudAsk {
  confirm?: (message: string) => Promise<boolean>;
  noPromptReason?: string;
}

export async function cloudCommand(sub: string | undefined, o: CliOptions, ask: CloudAsk): Promise<number> {
  if (sub !== 'up' && sub !== 'down') throw new UsageError('haforge cloud needs up or down: haforge cloud up -i FILE');
  const file = chooseInventory(o.inventory);
  const data = readInventoryInput(readInventorySource(file), file);
  const cfg = data.cloudstack;
  if (!cfg) throw new InventoryError(file, [{ path: 'cloudstack', message: 'missing; haforge cloud reads cloudstack.cluster, zone and provision' }]);
  const api = cloudStackClientFor(file, cfg);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Before anything is made (names, zone kind, credentials) a CloudStack error is bad input; after, a failure.
  let started = false;
  try {
    if (sub === 'up') {
      let publicKey: string | undefined;
      if (cfg.provision?.public_key) {
        const path = resolve(dirname(resolve(file)), cfg.provision.public_key);
        try {
          publicKey = readFileSync(path, 'utf8').trim();
        } catch (e) {
          throw new InventoryError(file, [{ path: 'cloudstack.provision.public_key', message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? ''}` }]);
        }
      }
      const r = await cloudUp(api, cfg, publicKey, (line) => {
        if (line.startsWith('created')) started = true;
        say(line);
      });
      say(`cloud up: ${r.created.length} created, ${r.existing.length} already there`);
      return 0;
    }
    const plan = await cloudDownPlan(api, cfg);
    const what = [...plan.vms.map((v) => `VM ${String(v.name)}`), ...plan.groups.map((g) => `security group ${String(g.name)}`)];
    if (!what.length) {
      say(`cloud down: nothing carries haforge:cluster=${cfg.cluster}`);
      return 0;
    }
    if (!o.yes) {
      if (ask.noPromptReason || !ask.confirm) throw new UsageError(`cloud down would destroy ${what.join(', ')}; pass --yes to confirm (${ask.noPromptReason ?? 'no terminal'})`);
      if (!(await ask.confirm(`Destroy ${what.join(', ')}?`))) return 130;
    }
    started = true;
    const gone = await cloudDown(api, plan, say);
    say(`cloud down: ${gone.length} destroyed`);
    return 0;
  } catch (e) {
    if (!isCloudStackError(e)) throw e;
    if (!started) throw new InventoryError(file, [{ path: 'cloudstack', message: e.message }]);
    say(`haforge: cloud ${sub}: ${e.message} (what was made is tagged haforge:cluster=${cfg.cluster}: run cloud ${sub} again, or cloud down)`);
    return 1;
  }
}
