// The guided setup wizard (issue 5). Until it lands, say so plainly instead of pretending.
import type { Catalogue } from '../cli/run-plan.js';
import type { CliOptions } from '../cli/args.js';

export async function runWizard(_catalogue: Catalogue, _options: CliOptions): Promise<number> {
  process.stderr.write('haforge: the guided wizard is not built yet; use `haforge up -i FILE` (see haforge --help)\n');
  return 2;
}
