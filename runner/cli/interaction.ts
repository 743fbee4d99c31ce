// Whether a person can be asked, and how. Never prompt without a TTY, under CI or with --yes: enquirer
// would exit silently or hang there.
import type { CliOptions } from './args.js';

export interface Interaction {
  prompt?: (message: string) => Promise<string>;
  confirm?: (message: string) => Promise<boolean>;
}

export function canPrompt(o: Pick<CliOptions, 'yes'>): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY && !process.env.CI && !o.yes);
}

export function interaction(o: Pick<CliOptions, 'yes'>): Interaction {
  if (!canPrompt(o)) return {};
  return {
    async prompt(message) {
      const { default: Enquirer } = await import('enquirer');
      const answer = await Enquirer.prompt<{ v: string }>({ type: 'password', name: 'v', message });
      return answer.v;
    },
    async confirm(message) {
      const { default: Enquirer } = await import('enquirer');
      const answer = await Enquirer.prompt<{ v: boolean }>({ type: 'confirm', name: 'v', message, initial: false });
      return answer.v;
    },
  };
}
