// The option registry's entry: one declaration per inventory var and per flag. Everything else is generated
// from these: the zod check of a value (and through it the JSON Schema), the flag parser, the wizard's answer
// checks, `haforge help vars`. The entries themselves live with what reads them (recipes/options.ts for the
// recipe options, runner/cli/flags.ts for the runner's flags, group-options.ts for groups.NAME keys).
import * as z from 'zod/mini';
import { describe } from './errors.js';

export type OptionValue = string | boolean | number;

export interface OptionSpec {
  /** Var name; the flag is the same with dashes: `keep_alive` is `--keep-alive`. */
  name: string;
  /** 'serial': Ansible's batch size, a count of hosts (1 or more) or a share of a group ("25%"). */
  type: 'string' | 'boolean' | 'number' | 'serial';
  description: string;
  /** Where it can be set: an inventory var, a flag, or both (default both). */
  kind?: 'var' | 'flag' | 'both';
  /** Where an inventory value sits: in `vars` at any level (default), or as a key of `groups.NAME`. */
  at?: 'vars' | 'group';
  /** The recipes that read it ('runner' for the runner itself): shown by `haforge help vars`. */
  readBy?: readonly string[];
  choices?: string[];
  /** Wizard labels and explanations of the choices (value -> [label, hint]). */
  choiceHints?: Readonly<Record<string, readonly [string, string]>>;
  /** A local file (or a URL): a relative path set in the inventory is relative to the inventory's folder,
   * like ssh.key; given as a flag, to the working directory. */
  file?: boolean;
  /** Bounds of a number (an integer): every number option has both. */
  min?: number;
  max?: number;
  /** What the number counts, said after its bounds in messages: "an integer 0-100 (a percentage)". */
  unit?: string;
  default?: OptionValue;
  /** What a string may hold (M1 of issue 21): every string option has one, so no newline or control character
   * reaches a config file or a command line. `allowed` completes "expected ..." in the exit-2 message. */
  pattern?: { regex: RegExp; allowed: string };
  /** The wizard's question, when it asks this one. */
  question?: string;
  /** Flag details: one-letter alias, the value's name in help, a variable read when the flag is absent, other
   * names of the same flag, and whether it may be given more than once. */
  short?: string;
  value?: string;
  env?: string;
  alias?: string;
  multiple?: boolean;
}

/** `--keep-alive` for keep_alive. */
export const flagName = (name: string): string => name.replaceAll('_', '-');

export const isFlag = (o: OptionSpec): boolean => o.kind !== 'var';
export const isVar = (o: OptionSpec): boolean => o.kind !== 'flag';

/** What a value must be, in the words of "expected ..." (the schema's messages, and the wizard's). */
export function expectedOf(o: OptionSpec): string {
  switch (o.type) {
    case 'boolean':
      return 'true or false';
    case 'number':
      return `an integer ${o.min ?? 0}-${o.max ?? Number.MAX_SAFE_INTEGER}${o.unit ? ` (${o.unit})` : ''}`;
    case 'serial':
      return SERIAL;
    case 'string':
      return o.choices ? `one of ${o.choices.join(', ')}` : (o.pattern?.allowed ?? 'a string');
  }
}

export const SERIAL = 'a number of hosts (1 or more) or a percentage ("1%" to "100%")';
const PERCENT_SERIAL = /^(100|[1-9][0-9]?)%$/;

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
      return z.int(expect(what)).check(z.minimum(min, expect(what)), z.maximum(max, expect(what))).register(optionMeta, meta);
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

/** What is wrong with one value of a known option ("expected ..., found ..."), or undefined. */
export function badValue(o: OptionSpec, v: unknown): string | undefined {
  const result = optionSchema(o).safeParse(v);
  if (result.success) return undefined;
  return `expected ${result.error.issues[0]?.message ?? expectedOf(o)}, found ${describe(v)}`;
}

/** A flag's (or an environment variable's) text as the option's value: numbers and serial counts are read as
 * integers, anything else stays text (and fails the check, saying what was found). */
export function fromText(o: OptionSpec, raw: string): unknown {
  if ((o.type === 'number' || o.type === 'serial') && /^-?\d{1,16}$/.test(raw)) return Number(raw);
  return raw;
}
