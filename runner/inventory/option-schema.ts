// An option's value as a zod schema, made from its registry entry (option.ts) with the same words: what the
// inventory schema checks for groups.NAME keys, and what z.toJSONSchema turns into the JSON Schema of every var.
import * as z from 'zod/mini';
import { PERCENT_SERIAL, expectedOf, type OptionSpec, type OptionValue } from './option.js';

/** Descriptions and defaults of the options' schemas, for the JSON Schema (z.toJSONSchema's `metadata`). */
export const optionMeta = z.registry<{ description: string; default?: OptionValue }>();

/** zod option: our words instead of zod's. */
const expect = (what: string) => ({ error: () => what });

function build(o: OptionSpec): z.ZodMiniType {
  const what = expectedOf(o);
  const meta = { description: o.description, ...(o.default !== undefined ? { default: o.default } : {}) };
  switch (o.type) {
    case 'boolean':
      return z.boolean(expect(what)).register(optionMeta, meta);
    case 'number': {
      const min = o.min ?? 0;
      const max = o.max ?? Number.MAX_SAFE_INTEGER;
      const n = o.fractional ? z.number(expect(what)) : z.int(expect(what));
      return n.check(z.minimum(min, expect(what)), z.maximum(max, expect(what))).register(optionMeta, meta);
    }
    case 'serial':
      return z
        .union([z.int(expect(what)).check(z.minimum(1, expect(what))), z.string(expect(what)).check(z.regex(PERCENT_SERIAL, expect(what)))], expect(what))
        .register(optionMeta, meta);
    case 'string':
      if (o.choices) return z.enum(o.choices as [string, ...string[]], expect(what)).register(optionMeta, meta);
      // A string of the wrong type says "a string"; a string that breaks the pattern says what it allows.
      return z.string(expect('a string')).check(z.regex(o.pattern?.regex ?? /^/, expect(what))).register(optionMeta, meta);
  }
}

const schemas = new WeakMap<OptionSpec, z.ZodMiniType>();

/** The zod schema of one option's value, made once per declaration. */
export function optionSchema(o: OptionSpec): z.ZodMiniType {
  let s = schemas.get(o);
  if (!s) schemas.set(o, (s = build(o)));
  return s;
}
