// One recipe on one host: prerequisites, plan, then each step's check -> (dry run: report) -> its actions, in order.
import type { EngineHostContext } from './host-context.js';
import { StepError, type Recipe, type Step, type StepResult } from './types.js';
import { commandsOf, executeActions, viewOf } from './actions/index.js';

export interface RecipeRunOptions {
  dryRun: boolean;
  /** Check each recipe's `requires` probes first (a recipe run without its dependencies). */
  checkRequires?: boolean;
  signal?: AbortSignal;
  stepStart?(host: string, recipe: string, step: string): void;
}

/** Handler names notified per recipe, run at the end of the host's phase. */
export type Notified = Map<string, Set<string>>;

/** Runs one recipe's steps on one host; returns an error line when the host must stop. */
export async function runRecipe(
  recipe: Recipe,
  h: EngineHostContext,
  o: RecipeRunOptions,
  push: (r: StepResult) => void,
  notified: Notified,
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
  o: RecipeRunOptions,
  push: (r: StepResult) => void,
  notified: Notified,
): Promise<string | undefined> {
  for (const [i, step] of steps.entries()) {
    if (o.signal?.aborted) return undefined;
    o.stepStart?.(h.name, recipe.name, step.name);
    const r = await timed(h.name, recipe.name, step.name, async () => {
      // The reads of all the recipe's steps, together, counted in the first step's time.
      if (i === 0) await prefetchReads(h, steps);
      const check = await step.check(h);
      if (check.state === 'ok') return { status: 'ok' as const, message: check.note };
      if (check.state === 'skip') return { status: 'skipped' as const, message: check.reason };
      if (check.bookkeeping) {
        if (!o.dryRun) {
          h.dropPrefetched();
          await executeActions(h, check.actions, 'bookkeeping');
        }
        return { status: 'ok' as const, message: check.note };
      }
      // The plan, shown by dry runs and then run as it is: the same actions, the same commands.
      const extra = { diff: check.diff, commands: check.actions.flatMap(commandsOf), actions: check.actions.map(viewOf) };
      if (o.dryRun) return { status: 'changed' as const, message: check.note ?? 'would change', ...extra };
      // Whatever the actions do (even "nothing changed after all", like apt-get update), later checks read live.
      h.dropPrefetched();
      const outcome = await executeActions(h, check.actions);
      return { status: outcome.changed ? ('changed' as const) : ('ok' as const), message: outcome.note ?? check.note, ...extra };
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
export async function prefetchReads(h: EngineHostContext, steps: readonly Step[]): Promise<void> {
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

type Outcome = Pick<StepResult, 'status' | 'message' | 'diff' | 'commands' | 'actions'>;

export async function timed(host: string, recipe: string, step: string, fn: () => Promise<Outcome>): Promise<StepResult> {
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
