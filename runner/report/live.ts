// The live view of a run. On a TTY: listr2's default renderer, one task per host with its current step.
// Otherwise (pipes, CI, logs): one plain line per finished step. --json: nothing live.
import chalk from 'chalk';
import type { ExecutorEvents, HostSummary } from '../engine/executor.js';
import type { StepResult } from '../engine/types.js';
import type { Redactor } from './redact.js';
import { counts, seconds, statusWord } from './format.js';

export type LiveMode = 'tty' | 'lines' | 'silent';

export interface LiveView {
  events: ExecutorEvents;
  /** Resolves when the view has drawn its last frame. */
  done: Promise<void>;
}

interface Deferred {
  resolve(): void;
  reject(e: Error): void;
  // listr2's wrapper type is deeply generic; we only set title and output on it.
  task?: { title?: string; output?: string };
}

export function createLiveView(hosts: readonly string[], mode: LiveMode, o: { verbose: boolean; redactor: Redactor }): LiveView {
  const r = (s: string) => o.redactor.redact(s);
  if (mode === 'lines') return lineView(o.verbose, r);
  if (mode === 'silent') return { events: {}, done: Promise.resolve() };

  const views = new Map<string, Deferred>();
  // listr2 starts the task bodies when it gets to them; events that come earlier (a host that fails to connect
  // within milliseconds) wait here and are applied as soon as the host's task exists: none is ever dropped,
  // or the view would wait forever for a host that has long finished.
  const pending = new Map<string, ((v: Deferred) => void)[]>();
  // listr2 is loaded only here, on a terminal: line and JSON runs never pay for it. Events that come before it
  // is ready wait in `pending` like any other early event.
  const done = import('listr2')
    .then(({ Listr }) =>
      new Listr(
        hosts.map((host) => ({
          title: host,
          task: (_ctx: unknown, task: { title?: string; output?: string }) =>
            new Promise<void>((resolve, reject) => {
              const v: Deferred = { resolve, reject, task };
              views.set(host, v);
              for (const fn of pending.get(host) ?? []) fn(v);
              pending.delete(host);
            }),
        })),
        { concurrent: true, exitOnError: false, renderer: 'default' },
      ).run(),
    )
    .then(() => undefined, () => undefined);
  const withView = (host: string, fn: (v: Deferred) => void) => {
    const v = views.get(host);
    if (v) fn(v);
    else pending.set(host, [...(pending.get(host) ?? []), fn]);
  };
  // The step stays in view while a long one reports progress (apt's current package or phase).
  const current = new Map<string, string>();
  const events: ExecutorEvents = {
    stepStart: (host, recipe, step) => {
      current.set(host, `${recipe} › ${step}`);
      withView(host, (v) => v.task && (v.task.output = r(current.get(host)!)));
    },
    progress: (host, text) => withView(host, (v) => v.task && (v.task.output = r(`${current.get(host) ?? ''} · ${text}`))),
    command: o.verbose ? (host, cmd) => withView(host, (v) => v.task && (v.task.output = r(`${current.get(host) ?? ''} $ ${cmd}`))) : undefined,
    hostEnd: (host, s: HostSummary) =>
      withView(host, (v) => {
        if (v.task) v.task.title = `${host}  ${counts(s.counts)}  ${seconds(s.durationMs)}`;
        if (s.status === 'failed') v.reject(new Error(r(`${host}: ${s.error ?? 'failed'}`)));
        else v.resolve();
      }),
  };
  return { events, done };
}

function lineView(verbose: boolean, r: (s: string) => string): LiveView {
  const lastProgress = new Map<string, number>();
  const print = (s: string) => process.stdout.write(`${r(s)}\n`);
  const events: ExecutorEvents = {
    hostStart: (host) => print(`${chalk.bold(host)} | started`),
    stepEnd: (x: StepResult) =>
      print(
        `${chalk.bold(x.host)} | ${x.recipe} › ${x.step}: ${statusWord(x.status)} ${chalk.dim(seconds(x.durationMs))}` +
          (x.message ? chalk.dim(` — ${x.message}`) : ''),
      ),
    // Throttled, so a long apt run shows signs of life without flooding a log.
    progress: (host, text) => {
      const now = Date.now();
      if (now - (lastProgress.get(host) ?? 0) < 2000) return;
      lastProgress.set(host, now);
      print(`${chalk.bold(host)} | … ${text}`);
    },
    command: verbose ? (host, cmd) => print(chalk.dim(`${host} | $ ${cmd}`)) : undefined,
  };
  return { events, done: Promise.resolve() };
}
