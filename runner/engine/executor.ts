// Runs a plan: hosts in parallel (bounded), recipes and steps in order per host, handlers at the end.
// Knows nothing of SSH or of the live view: it gets a connect function and reports through events.
import type { Remote } from '../transport/types.js';
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import { createHostContext, type EngineHostContext } from './host-context.js';
import { appliesTo } from './planner.js';
import { StepError, type Recipe, type Status, type Step, type StepResult } from './types.js';

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
  /** Time limit of a remote command that sets none (--command-timeout); default 600 s. */
  commandTimeoutMs?: number;
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

interface HostRun {
  spec: HostSpec;
  recipes: Recipe[];
  started: number;
  counts: Record<Status, number>;
  /** Index of the last phase with work for this host. */
  lastPhase: number;
  ctx?: EngineHostContext;
  remote?: Remote;
  error?: string;
  ended?: HostSummary;
}

/** A new phase starts at every `sync` recipe: all hosts finish one phase before any starts the next. */
function phasesOf(recipes: readonly Recipe[]): Recipe[][] {
  const phases: Recipe[][] = [[]];
  for (const r of recipes) {
    if (r.sync && phases[phases.length - 1]!.length) phases.push([]);
    phases[phases.length - 1]!.push(r);
  }
  return phases;
}

export async function execute(o: ExecuteOptions): Promise<ExecuteResult> {
  const results: StepResult[] = [];
  const ev = o.events ?? {};
  const phases = phasesOf(o.recipes);
  const runs = o.hosts.map((spec): HostRun => {
    const recipes = o.recipes.filter((r) => appliesTo(r, spec.groups));
    const lastPhase = phases.reduce((last, p, i) => (p.some((r) => recipes.includes(r)) ? i : last), -1);
    return { spec, recipes, started: 0, counts: { ok: 0, changed: 0, failed: 0, skipped: 0 }, lastPhase };
  });
  const record = (run: HostRun, r: StepResult): void => {
    run.counts[r.status]++;
    results.push(r);
    ev.stepEnd?.(r);
  };
  const end = async (run: HostRun): Promise<void> => {
    if (run.ended) return;
    await run.remote?.close().catch(() => undefined);
    const c = run.counts;
    run.ended = {
      host: run.spec.name,
      status: c.failed ? 'failed' : c.changed ? 'changed' : c.ok ? 'ok' : 'skipped',
      counts: c,
      durationMs: run.started ? Date.now() - run.started : 0,
      error: run.error,
    };
    ev.hostEnd?.(run.spec.name, run.ended);
  };

  for (const [i, phase] of phases.entries()) {
    if (o.signal?.aborted) break;
    const todo = runs.filter((r) => !r.error && r.recipes.some((x) => phase.includes(x)));
    await pool(todo, o.concurrency, async (run) => {
      await runPhase(run, phase.filter((x) => run.recipes.includes(x)), o, (r) => record(run, r));
      if (run.error || i >= run.lastPhase) await end(run);
    });
  }
  for (const run of runs) await end(run);
  return { results, hosts: runs.map((r) => r.ended!), interrupted: o.signal?.aborted ?? false };
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}

/** Runs one phase's recipes on one host, connecting first if needed; sets run.error when the host must stop. */
async function runPhase(run: HostRun, recipes: Recipe[], o: ExecuteOptions, push: (r: StepResult) => void): Promise<void> {
  const ev = o.events ?? {};
  const spec = run.spec;
  if (o.signal?.aborted) return;
  if (!run.ctx) {
    run.started = Date.now();
    ev.hostStart?.(spec.name);
    try {
      run.remote = await o.connect(spec);
    } catch (err) {
      run.error = errorLine(err);
      push({ host: spec.name, recipe: CONNECT, step: CONNECT, status: 'failed', durationMs: Date.now() - run.started, message: run.error });
      return;
    }
    run.ctx = createHostContext({
      remote: run.remote,
      spec,
      inventory: o.inventory,
      overrides: o.overrides ?? {},
      secrets: o.secrets ?? {},
      dryRun: o.dryRun,
      onCommand: ev.command,
      onProgress: ev.progress,
      commandTimeoutMs: o.commandTimeoutMs,
    });
  }
  const h = run.ctx;
  const notified = new Map<string, Set<string>>();
  try {
    const ahead = recipes.length > 1 && !o.checkRequires ? await planAhead(h, recipes) : undefined;
    for (const recipe of recipes) {
      if (o.signal?.aborted) return;
      ev.recipeStart?.(spec.name, recipe.name);
      const planned = ahead?.generation === h.generation ? ahead.steps.get(recipe) : undefined;
      run.error = await runRecipe(recipe, h, o, push, notified, planned);
      if (run.error) return;
    }
  } finally {
    h.dropPrefetched();
  }
  // Handlers run once per host at the end of the phase, only when notified, and not after a failure.
  if (o.dryRun) return;
  for (const recipe of recipes) {
    for (const handler of recipe.handlers ?? []) {
      if (!notified.get(recipe.name)?.has(handler.name)) continue;
      const r = await timed(spec.name, recipe.name, `handler: ${handler.name}`, async () => {
        await handler.run(h);
        return { status: 'changed' as const };
      });
      push(r);
      if (r.status === 'failed') run.error = r.message;
    }
  }
}

/**
 * Reads ahead for a whole phase on one host (a no-op run is nothing but reads): every recipe is planned at once,
 * so the facts their plans need go to the host together (one exec, see host-context.ts), then the reads of
 * all their steps in one more exec, instead of a round trip or two per recipe. The plans hold while nothing
 * changes; after the first apply (which drops what was read) the recipes after it plan again, live. A plan that
 * fails here (haproxy not installed yet) is simply made again when its recipe's turn comes.
 */
async function planAhead(h: EngineHostContext, recipes: readonly Recipe[]): Promise<{ generation: number; steps: Map<Recipe, Step[]> }> {
  const generation = h.generation;
  const plans = await Promise.all(recipes.map((r) => Promise.resolve().then(() => r.steps(h)).catch(() => undefined)));
  const steps = new Map<Recipe, Step[]>();
  plans.forEach((s, i) => s && steps.set(recipes[i]!, s));
  await prefetchReads(h, [...steps.values()].flat());
  return { generation, steps };
}

/** Runs one recipe's steps on one host; returns an error line when the host must stop. */
async function runRecipe(
  recipe: Recipe,
  h: EngineHostContext,
  o: ExecuteOptions,
  push: (r: StepResult) => void,
  notified: Map<string, Set<string>>,
  planned?: Step[],
): Promise<string | undefined> {
  // Planning only reads facts: it starts while the prerequisites are probed (one round trip instead of two),
  // and its outcome counts only once they all passed.
  let planning: Promise<Step[]> | undefined = planned && Promise.resolve(planned);
  const t0 = Date.now();
  if (o.checkRequires && recipe.requires?.length) {
    for (const req of recipe.requires) void h.fact(req.fact).catch(() => undefined);
    planning = Promise.resolve().then(() => recipe.steps(h));
    planning.catch(() => undefined);
    for (const req of recipe.requires) {
      const r = await timed(h.name, recipe.name, `requires ${req.what}`, async () => {
        if (await h.fact(req.fact)) return { status: 'ok' as const };
        throw new StepError(`${req.what} is missing: run recipe "${req.recipe}" first, or add --with-deps`);
      });
      push(r);
      if (r.status === 'failed') return r.message;
    }
  }
  let steps: Step[];
  try {
    steps = await (planning ?? recipe.steps(h));
  } catch (err) {
    const message = errorLine(err);
    push({ host: h.name, recipe: recipe.name, step: 'plan', status: 'failed', durationMs: Date.now() - t0, message });
    return message;
  }
  // What was read ahead and not used stays for the recipes after this one (nothing changed, or it was dropped).
  return runSteps(recipe, steps, h, o, push, notified);
}

async function runSteps(
  recipe: Recipe,
  steps: readonly Step[],
  h: EngineHostContext,
  o: ExecuteOptions,
  push: (r: StepResult) => void,
  notified: Map<string, Set<string>>,
): Promise<string | undefined> {
  for (const [i, step] of steps.entries()) {
    if (o.signal?.aborted) return undefined;
    o.events?.stepStart?.(h.name, recipe.name, step.name);
    const r = await timed(h.name, recipe.name, step.name, async () => {
      // The reads of all the recipe's steps, together, counted in the first step's time.
      if (i === 0) await prefetchReads(h, steps);
      const check = await step.check(h);
      if (check.state === 'ok') return { status: 'ok' as const, message: check.note };
      if (check.state === 'skip') return { status: 'skipped' as const, message: check.reason };
      const extra = { diff: check.diff, commands: check.commands };
      if (o.dryRun) return { status: 'changed' as const, message: check.note ?? 'would change', ...extra };
      // Whatever apply does (even "nothing changed after all", like apt-get update), later checks read live.
      h.dropPrefetched();
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

/** Runs every step's Step.reads together, in one exec (some steps need a fact first: all are asked at once). A
 * step whose reads() fails just reads live when checked, and reports the failure there. */
async function prefetchReads(h: EngineHostContext, steps: readonly Step[]): Promise<void> {
  if (!steps.some((s) => s.reads)) return;
  const lists = await Promise.all(
    steps.map((s) =>
      Promise.resolve()
        .then(() => s.reads?.(h) ?? [])
        .catch(() => [] as string[]),
    ),
  );
  await h.prefetch(lists.flat());
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
