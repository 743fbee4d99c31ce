// What a plan shows: each action's exact commands (dry runs print them, redacted by the reporter) and a typed
// view for --json (every field but a file's content: its hash and size stand in for it).
import { activationCommand, aptArgs, aptCommand, removeCommand, serviceCommand, writeLines, writePlan } from './commands.js';
import type { Action, ActionView, Activation } from './types.js';

/** The commands (and uploads, as `upload PATH (...)`) the action makes the transport run when all goes well. */
export function commandsOf(a: Action): string[] {
  switch (a.kind) {
    case 'run':
      return [a.command];
    case 'remove':
      return [removeCommand(a.paths)];
    case 'service':
      return [serviceCommand(a.init, a.op, a.name)];
    case 'packages':
      return [aptCommand(aptArgs(a), a.lockTimeoutS)];
    case 'write':
      return writeLines(writePlan(a));
  }
}

const activationView = (a: Activation): Record<string, unknown> =>
  a.kind === 'run'
    ? { kind: a.kind, command: a.command }
    : a.kind === 'live'
      ? { kind: a.kind, what: a.what, command: a.command, fallback: activationView(a.fallback) }
      : { kind: a.kind, name: a.name, op: a.op, init: a.init, command: activationCommand(a) };

/** The action as --json lists it. */
export function viewOf(a: Action): ActionView {
  const commands = commandsOf(a);
  if (a.kind !== 'write') {
    const { status: _status, ...rest } = a as Action & { status?: string };
    return { ...rest, commands };
  }
  const { content: _content, activate, cleanup: _cleanup, mode, ...rest } = a;
  return {
    ...rest,
    mode: mode.toString(8).padStart(4, '0'),
    ...(activate ? { activate: activationView(activate) } : {}),
    commands,
  };
}
