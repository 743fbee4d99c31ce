// How the wizard asks. The questions only see this interface; the terminal implementation is enquirer, and the
// unit tests script the answers (checking the same validators the terminal runs as the person types).
import { PromptCancelled, isCancel, loadEnquirer } from '../cli/interaction.js';

/** true when the answer is fine, else the reason shown in red under the question, which stays open. */
export type Validator = (value: string) => true | string | Promise<true | string>;

export interface Choice<T extends string> {
  value: T;
  label: string;
  /** One line shown beside the choice. */
  hint?: string;
}

export interface Asker {
  text(q: { message: string; initial?: string; validate?: Validator }): Promise<string>;
  /** Masked: the terminal shows one * per character typed. */
  secret(q: { message: string; validate?: Validator }): Promise<string>;
  confirm(q: { message: string; initial: boolean }): Promise<boolean>;
  select<T extends string>(q: { message: string; choices: Choice<T>[]; initial?: T; validate?: (v: T) => true | string }): Promise<T>;
  /** A line of explanation between questions. */
  say(line: string): void;
}

export function terminalAsker(out: NodeJS.WriteStream = process.stdout): Asker {
  const ask = async <T>(question: Record<string, unknown>): Promise<T> => {
    const Enquirer = await loadEnquirer();
    try {
      const answer = await Enquirer.prompt<{ v: T }>({ name: 'v', stdout: out, ...question } as never);
      return answer.v;
    } catch (err) {
      if (isCancel(err)) throw new PromptCancelled();
      throw err;
    }
  };
  return {
    text: (q) => ask<string>({ type: 'input', message: q.message, initial: q.initial, validate: q.validate }).then((v) => v.trim()),
    secret: (q) => ask<string>({ type: 'password', message: q.message, validate: q.validate }),
    confirm: (q) => ask<boolean>({ type: 'confirm', message: q.message, initial: q.initial }),
    select: <T extends string>(q: { message: string; choices: Choice<T>[]; initial?: T; validate?: (v: T) => true | string }) =>
      ask<T>({
        type: 'select',
        message: q.message,
        choices: q.choices.map((c) => ({ name: c.value, message: c.label.padEnd(Math.max(...q.choices.map((x) => x.label.length))), hint: c.hint })),
        initial: q.initial === undefined ? 0 : Math.max(0, q.choices.findIndex((c) => c.value === q.initial)),
        validate: q.validate,
      }),
    say: (line) => out.write(`${line}\n`),
  };
}
