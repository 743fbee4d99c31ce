// A run's second phase: host keys. Unknown keys are settled (asked on a terminal, accepted with
// --accept-new-host-keys, else refused) before the live view starts; the connector it returns refuses anything
// still unknown, so nobody is ever asked under the live view. Loaded lazily by run-plan: a run that stops on its
// input never pays for SSH.
import { appliesTo } from '../engine/planner.js';
import type { HostSpec } from '../inventory/types.js';
import type { Remote } from '../transport/types.js';
import type { CliOptions } from './args.js';
import { connector } from './connect.js';
import { RECORD_ENV } from '../transport/recording.js';
import { settleHostKeys } from './host-keys.js';
import type { RunInputs } from './run-inputs.js';

export async function settledConnector(
  inputs: RunInputs,
  o: CliOptions,
  confirm?: (message: string) => Promise<boolean>,
  redact: (text: string) => string = (t) => t,
): Promise<(spec: HostSpec) => Promise<Remote>> {
  const { inventory, secrets, hosts, recipes } = inputs;
  // Tests prove with it that a run does what its dry run showed; redacted like every other output.
  const file = process.env[RECORD_ENV];
  const record = file ? { record: { file, redact } } : {};
  const connectWith = (policy: 'strict' | 'accept-new' | 'ask', askHostKey?: (host: string, fp: string) => Promise<boolean>) =>
    connector({
      inventory, secrets, policy, askHostKey, connectTimeoutS: o.connectTimeoutS, connectTimeoutGiven: o.connectTimeoutGiven, keepConnectionsS: o.keepConnectionsS,
      warn: (l) => process.stderr.write(`haforge: ${l}\n`), ...record,
    });
  await settleHostKeys({
    hosts: hosts.filter((h) => recipes.some((r) => appliesTo(r, h.groups))),
    inventory,
    acceptNew: o.acceptNewHostKeys,
    confirm,
    connect: (spec, policy, ask) => connectWith(policy, ask)(spec),
    concurrency: o.concurrency,
  });
  return connectWith(o.acceptNewHostKeys ? 'accept-new' : 'strict');
}
