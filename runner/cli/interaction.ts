// Whether a person can be asked, and how. Never prompt when stdin is not a terminal, under CI or with --yes:
// enquirer would exit silently or hang there (shared/notes/dependencies.md). Prompts are drawn on stderr, so
// `--json` and `> log` keep stdout clean and a person at the terminal still sees the question.
import { createRequire } from 'node:module';
import type { CliOptions } from './args.js';

/** A prompt the person ended with Ctrl-C (or Esc): the run stops with exit 130 before touching anything more. */
export class PromptCancelled extends Error {
  readonly exitCode = 130;
  constructor() {
    super('cancelled at a prompt: nothing more was done');
    this.name = 'PromptCancelled';
  }
}

export interface Interaction {
  /** Asks for a secret, masked. Present only when a person can answer. */
  prompt?: (message: string) => Promise<string>;
  /** Asks yes/no (default no). Present only when a person can answer. */
  confirm?: (message: string) => Promise<boolean>;
  /** Why nobody is asked, for error messages ("stdin is not a terminal"); undefined when prompts are on. */
  noPromptReason?: string;
}

interface Terminal {
  stdin: { isTTY?: boolean };
  stderr: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** CI counts as set when it has any value but "" / "false" / "0" (CI=false is a common way to say "not CI"). */
export function ciIsSet(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** Why no prompt may be shown, or undefined when one may. */
export function noPromptReason(o: Pick<CliOptions, 'yes'>, t: Terminal = process): string | undefined {
  if (o.yes) return '--yes was given';
  if (ciIsSet(t.env)) return 'CI is set';
  if (!t.stdin.isTTY) return 'stdin is not a terminal';
  if (!t.stderr.isTTY) return 'stderr is not a terminal';
  return undefined;
}

export function canPrompt(o: Pick<CliOptions, 'yes'>, t: Terminal = process): boolean {
  return noPromptReason(o, t) === undefined;
}

/** enquirer rejects with '' (or nothing) when the person presses Ctrl-C or Esc. */
export function isCancel(err: unknown): boolean {
  return err === '' || err === undefined || err === null;
}

/** enquirer, with its colours off under NO_COLOR (its ansi-colors only reads FORCE_COLOR). */
export async function loadEnquirer(): Promise<typeof import('enquirer')> {
  const { default: Enquirer } = await import('enquirer');
  if (process.env.NO_COLOR) {
    try {
      const req = createRequire(createRequire(import.meta.url).resolve('enquirer'));
      (req('ansi-colors') as { enabled: boolean }).enabled = false;
    } catch {
      // Colours in a prompt are cosmetic: never fail a question over them.
    }
  }
  return Enquirer;
}

export function interaction(o: Pick<CliOptions, 'yes'>, t: Terminal = process): Interaction {
  const reason = noPromptReason(o, t);
  if (reason) return { noPromptReason: reason };
  const ask = async <T>(question: Record<string, unknown>): Promise<T> => {
    const Enquirer = await loadEnquirer();
    try {
      const answer = await Enquirer.prompt<{ v: T }>({ name: 'v', stdout: process.stderr, ...question } as never);
      return answer.v;
    } catch (err) {
      if (isCancel(err)) throw new PromptCancelled();
      throw err;
    }
  };
  return {
    prompt: (message) => ask<string>({ type: 'password', message, validate: (v: string) => v.length > 0 || 'nothing typed; type it, or Ctrl-C to stop' }),
    confirm: (message) => ask<boolean>({ type: 'confirm', message, initial: false }),
  };
}
