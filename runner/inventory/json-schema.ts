// `haforge schema`: the inventory file's JSON Schema (draft 2020-12), made by zod from the same schema the loader
// checks, with every var the option registry declares typed. For YAML editors, e.g. a first line
// `# yaml-language-server: $schema=./haforge.schema.json`.
import * as z from 'zod/mini';
import type { OptionSpec } from './option.js';
import { optionMeta } from './option-schema.js';
import { typedInventorySchema } from './schema.js';

export function inventoryJsonSchema(options: readonly OptionSpec[]): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(typedInventorySchema(options), { metadata: optionMeta, target: 'draft-2020-12' });
  return { $schema, title: 'haforge inventory', description: 'haforge inventory file (inventory/example.yaml documents every key)', ...rest };
}
