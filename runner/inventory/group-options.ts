// Keys of `groups.NAME` that are options too: the rolling order (Ansible's meaning), also set for every group by
// `--serial` and `--max-fail-percentage`. Declared here, below the CLI, because the inventory schema checks them.
import type { OptionSpec } from './option.js';

export const groupOptions: OptionSpec[] = [
  {
    name: 'serial',
    type: 'serial',
    at: 'group',
    readBy: ['runner'],
    value: 'N|P%',
    description: "this group's hosts change in batches of N hosts (or P% of the group), each batch running every recipe before the next",
  },
  {
    name: 'max_fail_percentage',
    type: 'number',
    min: 0,
    max: 100,
    unit: 'a percentage',
    at: 'group',
    readBy: ['runner'],
    value: 'P',
    description: "stop the rollout after a batch where more than P% of this group's hosts failed (default: only when all failed)",
  },
];
