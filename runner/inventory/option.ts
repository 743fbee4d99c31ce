// The option registry's entry: one declaration per inventory var and per flag. Everything else is generated
// from these: the check of a value (here; as zod and JSON Schema in option-schema.ts), the flag parser, the wizard's answer
// checks, `haforge help vars`. The entries themselves live with what reads them (recipes/options.ts for the
// recipe options, runner/cli/flags.ts for the runner's flags, group-options.ts for groups.NAME keys).
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
  /** A number that may have a fractional part (seconds such as 0.2); otherwise an integer. */
  fractional?: boolean;
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
      return `${o.fractional ? 'a number' : 'an integer'} ${o.min ?? 0}-${o.max ?? Number.MAX_SAFE_INTEGER}${o.unit ? ` (${o.unit})` : ''}`;
    case 'serial':
      return SERIAL;
    case 'string':
      return o.choices ? `one of ${o.choices.join(', ')}` : (o.pattern?.allowed ?? 'a string');
  }
}

const SERIAL = 'a number of hosts (1 or more) or a percentage ("1%" to "100%")';
/** A share of a group, as `serial` takes it: "1%" to "100%". */
export const PERCENT_SERIAL = /^(100|[1-9][0-9]?)%$/;

/** Whether a value is what the option holds. Plain code, no zod: the flag parser runs it at every start, and zod
 * loads only with the inventory. option-schema.ts makes the same rules a zod schema (and a JSON Schema); the
 * registry's tests hold the two to the same answers. */
function fits(o: OptionSpec, v: unknown): boolean {
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
  switch (o.type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && (o.fractional ? Number.isFinite(v) : int(v)) && v >= (o.min ?? 0) && v <= (o.max ?? Number.MAX_SAFE_INTEGER);
    case 'serial':
      return (int(v) && v >= 1) || (typeof v === 'string' && PERCENT_SERIAL.test(v));
    case 'string':
      if (typeof v !== 'string') return false;
      return o.choices ? o.choices.includes(v) : (o.pattern?.regex.test(v) ?? true);
  }
}

/** What is wrong with one value of a known option ("expected ..., found ..."), or undefined. */
export function badValue(o: OptionSpec, v: unknown): string | undefined {
  if (fits(o, v)) return undefined;
  // A string option given another type says "a string" (unless it has choices: those say themselves).
  const what = o.type === 'string' && !o.choices && typeof v !== 'string' ? 'a string' : expectedOf(o);
  return `expected ${what}, found ${describe(v)}`;
}

/** A flag's (or an environment variable's) text as the option's value: numbers and serial counts are read as
 * integers, anything else stays text (and fails the check, saying what was found). */
export function fromText(o: OptionSpec, raw: string): unknown {
  if ((o.type === 'number' || o.type === 'serial') && /^-?\d{1,16}$/.test(raw)) return Number(raw);
  if (o.type === 'number' && o.fractional && /^-?\d{1,16}\.\d{1,6}$/.test(raw)) return Number(raw);
  return raw;
}
