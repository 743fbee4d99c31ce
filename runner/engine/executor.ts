// Runs a plan: hosts in parallel (bounded), recipes and steps in order per host, handlers at the end.
// Knows nothing of SSH or of the live view: it gets a connect function and reports through events.
import type { Remote } from '../transport/types.js';
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import { createHostContext } from './host-context.js';
import { appliesTo } from './planner.js';
import { StepError, type HostContext, type Recipe, type Status, type Step, type StepResult } from './types.js';

export interface ExecutorEvents {
  hostStart?(host: string): void;
  recipeStart?(host: string, recipe: string): void;
  stepStart?(host: string, recipe: string, step: string): void;
  stepEnd?(result: StepResult): void;
  progress?(host: string, text: string): void;
  command?(host: string, cmd: string): void;
  hostEnd?(host: string, summary: HostSummary): void;
}

export interface HostSummary {
  host: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  counts: Record<Status, number>;
  durationMs: number;
  error?: string;
}

export interface ExecuteOptions {
  recipes: readonly Recipe[];
  hosts: readonly HostSpec[];
  inventory: Inventory;
  connect(spec: HostSpec): Promise<Remote>;
  concurrency: number;
  dryRun: boolean;
  overrides?: Vars;
  secrets?: Record<string, string | undefined>;
  /** Check each recipe's `requires` probes first (a recipe run without its dependencies). */
  checkRequires?: boolean;
  /** Aborted on Ctrl-C: no new step starts; steps in flight finish. */
  signal?: AbortSignal;
  events?: ExecutorEvents;
}

export interface ExecuteResult {
  results: StepResult[];
  hosts: HostSummary[];
  interrupted: boolean;
}

const CONNECT = 'connect';

export async function execute(o: ExecuteOptions): Promise<ExecuteResult> {
  const results: StepResult[] = [];
  const summaries: HostSummary[] = [];
  const ev = o.events ?? {};
  const queue = [...o.hosts];
  const worker = async (): Promise<void> => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const summary = await runHost(spec, o, (r) => {
        results.push(r);
        ev.stepEnd?.(r);
      });
      summaries.push(summary);
      ev.hostEnd?.(spec.name, summary);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, o.hosts.length)) }, worker));
  const order = new Map(o.hosts.map((h, i) => [h.name, i]));
  summaries.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
  return { results, hosts: summaries, interrupted: o.signal?.aborted ?? false };
}

async function runHost(spec: HostSpec, o: ExecuteOptions, record: (r: StepResult) => void): Promise<HostSummary> {
  const ev = o.events ?? {};
  const started = Date.now();
  const counts: Record<Status, number> = { ok: 0, changed: 0, failed: 0, skipped: 0 };
  const push = (r: StepResult): void => {
    counts[r.status]++;
    record(r);
  };
  const done = (error?: string): HostSummary => ({
    host: spec.name,
    status: counts.failed ? 'failed' : counts.changed ? 'changed' : counts.ok ? 'ok' : 'skipped',
    counts,
    durationMs: Date.now() - started,
    error,
  });
  const recipes = o.recipes.filter((r) => appliesTo(r, spec.groups));
  if (recipes.length === 0 || o.signal?.aborted) return done();
  ev.hostStart?.(spec.name);

  let remote: Remote;
  const t0 = Date.now();
  try {
    remote = await o.connect(spec);
  } catch (err) {
    const message = errorLine(err);
    push({ host: spec.name, recipe: CONNECT, step: CONNECT, status: 'failed', durationMs: Date.now() - t0, message });
    return done(message);
  }

  const h = createHostContext({
    remote,
    spec,
    inventory: o.inventory,
    overrides: o.overrides ?? {},
    secrets: o.secrets ?? {},
    dryRun: o.dryRun,
    onCommand: ev.command,
    onProgress: ev.progress,
  });
  const notified = new Map<string, Set<string>>();
  let error: string | undefined;
  try {
    for (const recipe of recipes) {
      if (o.signal?.aborted) break;
      ev.recipeStart?.(spec.name, recipe.name);
      error = await runRecipe(recipe, h, o, push, notified);
      if (error) break;
    }
    // Handlers run once per host, only when notified, and not after a failure (the state is unknown).
    if (!error && !o.dryRun) {
      for (const recipe of recipes) {
        for (const handler of recipe.handlers ?? []) {
          if (!notified.get(recipe.name)?.has(handler.name)) continue;
          const r = await timed(spec.name, recipe.name, `handler: ${handler.name}`, async () => {
            await handler.run(h);
            return { status: 'changed' as const };
          });
          push(r);
          if (r.status === 'failed') error = r.message;
        }
      }
    }
  } finally {
    await remote.close().catch(() => undefined);
  }
  return done(error);
}

/** Runs one recipe's steps on one host; returns an error line when the host must stop. */
async function runRecipe(
  recipe: Recipe,
  h: HostContext,
  o: ExecuteOptions,
  push: (r: StepResult) => void,
  notified: Map<string, Set<string>>,
): Promise<string | undefined> {
  if (o.checkRequires) {
    for (const req of recipe.requires ?? []) {
      const r = await timed(h.name, recipe.name, `requires ${req.what}`, async () => {
        if (await h.fact(req.fact)) return { status: 'ok' as const };
        throw new StepError(`${req.what} is missing: run recipe "${req.recipe}" first, or add --with-deps`);
      });
      push(r);
      if (r.status === 'failed') return r.message;
    }
  }
  let steps: Step[];
  const t0 = Date.now();
  try {
    steps = await recipe.steps(h);
  } catch (err) {
    const message = errorLine(err);
    push({ host: h.name, recipe: recipe.name, step: 'plan', status: 'failed', durationMs: Date.now() - t0, message });
    return message;
  }
  for (const step of steps) {
    if (o.signal?.aborted) return undefined;
    o.events?.stepStart?.(h.name, recipe.name, step.name);
    const r = await timed(h.name, recipe.name, step.name, async () => {
      const check = await step.check(h);
      if (check.state === 'ok') return { status: 'ok' as const, message: check.note };
      if (check.state === 'skip') return { status: 'skipped' as const, message: check.reason };
      const extra = { diff: check.diff, commands: check.commands };
      if (o.dryRun) return { status: 'changed' as const, message: check.note ?? 'would change', ...extra };
      const outcome = (await step.apply(h, check)) ?? {};
      const changed = outcome.changed ?? true;
      return { status: changed ? ('changed' as const) : ('ok' as const), message: outcome.note ?? check.note, ...extra };
    });
    push(r);
    if (r.status === 'failed') return r.message;
    if (r.status === 'changed') {
      for (const n of step.notify ?? []) {
        const set = notified.get(recipe.name) ?? new Set<string>();
        set.add(n);
        notified.set(recipe.name, set);
      }
    }
  }
  return undefined;
}

type Outcome = Pick<StepResult, 'status' | 'message' | 'diff' | 'commands'>;

async function timed(host: string, recipe: string, step: string, fn: () => Promise<Outcome>): Promise<StepResult> {
  const t0 = Date.now();
  try {
    const out = await fn();
    return { host, recipe, step, durationMs: Date.now() - t0, ...out };
  } catch (err) {
    return { host, recipe, step, status: 'failed', durationMs: Date.now() - t0, message: errorLine(err) };
  }
}

/** One line for the recap; stack traces stay out of user output. */
export function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim() || 'unknown error';
}
