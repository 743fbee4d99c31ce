// A wizard question made from the option registry: the question text, the choices with their explanations, and
// the answer checked as it is typed by the same check the inventory var and the flag get (badValue).
import { badValue, fromText, type OptionSpec, type OptionValue } from '../inventory/option.js';
import type { Asker, Choice, Validator } from './ask.js';

/** The registry entry of a var the wizard asks about: a missing one is a programming error, said at once. */
export function optionNamed(options: readonly OptionSpec[], name: string): OptionSpec {
  const o = options.find((x) => x.name === name);
  if (!o?.question) throw new Error(`the wizard asks about ${name}, which the option registry does not declare with a question`);
  return o;
}

/** An answer as typed, checked like the var: true, or the reason (the same words as for the inventory or flag). */
export function checkOption(o: OptionSpec, text: string): true | string {
  return badValue(o, fromText(o, text.trim())) ?? true;
}

export interface OptionQuestion {
  initial?: unknown;
  /** Only these of the option's choices (default: all). */
  only?: readonly string[];
  /** Enter alone is an answer (returns ''): the option is then left unset. */
  optional?: boolean;
  /** Checked after the registry's check passed (the recipes' preflight, e.g. that a certificate file reads). */
  then?: Validator;
}

export async function askOption(a: Asker, o: OptionSpec, q: OptionQuestion = {}): Promise<OptionValue> {
  const message = o.question ?? o.description;
  if (o.type === 'boolean') return a.confirm({ message, initial: Boolean(q.initial ?? o.default ?? false) });
  if (o.choices) {
    const choices: Choice<string>[] = o.choices
      .filter((c) => !q.only || q.only.includes(c))
      .map((c) => ({ value: c, label: o.choiceHints?.[c]?.[0] ?? c, ...(o.choiceHints?.[c] ? { hint: o.choiceHints[c][1] } : {}) }));
    return a.select({ message, choices, initial: (q.initial ?? o.default) as string | undefined });
  }
  const initial = q.initial ?? o.default;
  const validate: Validator = async (v) => {
    if (q.optional && !v.trim()) return true;
    const ok = checkOption(o, v);
    return ok === true && q.then ? q.then(v) : ok;
  };
  const answer = (await a.text({ message, ...(initial !== undefined ? { initial: String(initial) } : {}), validate })).trim();
  return q.optional && !answer ? '' : (fromText(o, answer) as OptionValue);
}
