// Runs a plan: facts other hosts read gathered first (a barrier), then the hosts in batches (rolling order),
// within a batch hosts in parallel (bounded), recipes and steps in order per host, handlers at the end.
// Knows nothing of SSH or of the live view: it gets a connect function and reports through events.
import type { Remote } from '../transport/types.js';
import type { HostSpec, Inventory, Rollout, Vars } from '../inventory/types.js';
import { createHostContext, type EngineHostContext } from './host-context.js';
import { clusterView, type GatheredFacts } from './cluster.js';
import { appliesTo } from './planner.js';
import { batchesOf, stopReason, type Batch } from './rollout.js';
import { errorLine, prefetchReads, runRecipe, timed, type Notified } from './recipe-run.js';
import { StepError, type ClusterView, type Recipe, type Status, type Step, type StepResult } from './types.js';
import { executeActions } from './actions/index.js';

export { errorLine } from './recipe-run.js';

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
  /** Rolling order: per group (the inventory's), and for every group (flags, which win). */
  rollout?: { groups?: Record<string, Rollout>; all?: Rollout };
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
  /** Its connection being made (once, whoever asks first). */
  connecting?: Promise<boolean>;
  /** Its connection is closed (at the end of the run, or at once when it failed). */
  closed?: boolean;
}

/** A new phase starts at every `sync` recipe: all hosts of a batch finish one phase before any starts the next. */
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
  const gathered: GatheredFacts = new Map();
  const runs = o.hosts.map((spec): HostRun => {
    const recipes = o.recipes.filter((r) => appliesTo(r, spec.groups));
    const lastPhase = phases.reduce((last, p, i) => (p.some((r) => recipes.includes(r)) ? i : last), -1);
    return { spec, recipes, started: 0, counts: { ok: 0, changed: 0, failed: 0, skipped: 0 }, lastPhase };
  });
  const byName = new Map(runs.map((r) => [r.spec.name, r]));
  let current = new Set<string>();
  // A peer's fact read now (PeerView.readNow): on its own connection (made now when the peer is in this batch
  // and not connected yet), while that is open (until the run ends).
  const live = (name: string, cmd: string) => {
    const run = byName.get(name);
    if (!run || run.closed || (!run.ctx && !run.connecting && !current.has(name))) return undefined;
    return ensureContext(run, o, cluster, (r) => record(run, r)).then((ok) => {
      if (!ok) throw new StepError(`cannot read ${name}: ${run.error ?? 'not connected'}`);
      return run.ctx!.run(cmd, { timeoutMs: o.commandTimeoutMs ?? 600_000 });
    });
  };
  const cluster = clusterView(o.inventory, o.hosts, o.overrides ?? {}, gathered, live);
  const record = (run: HostRun, r: StepResult): void => {
    run.counts[r.status]++;
    results.push(r);
    ev.stepEnd?.(r);
  };
  const close = async (run: HostRun): Promise<void> => {
    if (run.closed) return;
    run.closed = true;
    await run.remote?.close().catch(() => undefined);
  };
  // A host that has finished is reported at once; its connection stays open until the run ends, so that the
  // checks of hosts still running (in this batch or a later one) can read it as it is now (PeerView.readNow).
  const end = async (run: HostRun): Promise<void> => {
    if (run.ended) return;
    if (run.error) await close(run);
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

  await gatherPeerFacts(runs, o, cluster, gathered, record);
  const batches = rankedBatches(batchesOf(o.hosts, o.rollout?.groups, o.rollout?.all), o.recipes, cluster, gathered);
  for (const [k, batch] of batches.entries()) {
    if (o.signal?.aborted) break;
    const inBatch = runs.filter((r) => batch.hosts.includes(r.spec));
    current = new Set(inBatch.map((r) => r.spec.name));
    for (const [i, phase] of phases.entries()) {
      if (o.signal?.aborted) break;
      const todo = inBatch.filter((r) => !r.error && r.recipes.some((x) => phase.includes(x)));
      await pool(todo, o.concurrency, async (run) => {
        await runPhase(run, phase.filter((x) => run.recipes.includes(x)), o, cluster, (r) => record(run, r));
        if (run.error || i >= run.lastPhase) await end(run);
      });
    }
    for (const run of inBatch) await end(run);
    const failed = new Set(inBatch.filter((r) => r.ended?.status === 'failed').map((r) => r.spec.name));
    const why = k < batches.length - 1 ? stopReason(batch, failed, o.rollout?.groups, o.rollout?.all) : undefined;
    if (!why) continue;
    // The hosts of later batches are not touched; the recap names them and why.
    for (const run of runs.filter((r) => !r.ended && r.recipes.length > 0)) {
      run.error = `not touched: the rollout stopped after batch ${k + 1} of ${batches.length} (${why})`;
      record(run, { host: run.spec.name, recipe: 'rollout', step: 'rollout', status: 'skipped', durationMs: 0, message: run.error });
    }
    break;
  }
  for (const run of runs) await end(run);
  for (const run of runs) await close(run);
  return { results, hosts: runs.map((r) => r.ended!), interrupted: o.signal?.aborted ?? false };
}

/** Each batch split by the planned recipes' rollBy ranks (lowest first); a batch with one rank stays whole. */
function rankedBatches(batches: Batch[], recipes: readonly Recipe[], cluster: ClusterView, gathered: GatheredFacts): Batch[] {
  const rules = recipes.flatMap((r) => (r.rollBy ? [r.rollBy] : []));
  if (rules.length === 0) return batches;
  const rankOf = (h: HostSpec): number => {
    const vars = cluster.host(h.name)?.vars ?? h.vars;
    let rank = 0;
    for (const rule of rules) {
      if (!rule.groups.some((g) => h.groups.includes(g)) || !(rule.when?.(vars) ?? true)) continue;
      const known = gathered.get(h.name);
      if (known?.has(rule.fact.name)) rank = Math.max(rank, rule.rank(known.get(rule.fact.name), vars));
    }
    return rank;
  };
  return batches.flatMap((b) => {
    const ranks = [...new Set(b.hosts.map(rankOf))].sort((x, y) => x - y);
    if (ranks.length < 2) return [b];
    return ranks.map((r) => {
      const hosts = b.hosts.filter((h) => rankOf(h) === r);
      return { hosts, groupOf: new Map(hosts.map((h) => [h.name, b.groupOf.get(h.name) ?? ''])) };
    });
  });
}

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}

/** Connects the host once (its first phase, or the facts gathering); false when it cannot go on. */
function ensureContext(run: HostRun, o: ExecuteOptions, cluster: ClusterView, push: (r: StepResult) => void): Promise<boolean> {
  if (run.ctx) return Promise.resolve(true);
  if (run.error && !run.connecting) return Promise.resolve(false);
  // Once: the host's own phase and a peer's readNow may ask at the same moment.
  run.connecting ??= connectHost(run, o, cluster, push);
  return run.connecting;
}

async function connectHost(run: HostRun, o: ExecuteOptions, cluster: ClusterView, push: (r: StepResult) => void): Promise<boolean> {
  run.started = Date.now();
  o.events?.hostStart?.(run.spec.name);
  try {
    run.remote = await o.connect(run.spec);
  } catch (err) {
    run.error = errorLine(err);
    push({ host: run.spec.name, recipe: CONNECT, step: CONNECT, status: 'failed', durationMs: Date.now() - run.started, message: run.error });
    return false;
  }
  run.ctx = createHostContext({
    remote: run.remote,
    spec: run.spec,
    cluster,
    overrides: o.overrides ?? {},
    secrets: o.secrets ?? {},
    dryRun: o.dryRun,
    onCommand: o.events?.command,
    onProgress: o.events?.progress,
    commandTimeoutMs: o.commandTimeoutMs,
  });
  return true;
}

/**
 * The barrier: every fact a planned recipe reads of its peers (Recipe.peerFacts) is read on each host of the
 * run that holds it, all hosts at once, before any host starts its first phase. A host whose facts cannot be
 * read fails here, like a host that cannot be reached.
 */
async function gatherPeerFacts(
  runs: HostRun[],
  o: ExecuteOptions,
  cluster: ClusterView,
  gathered: GatheredFacts,
  record: (run: HostRun, r: StepResult) => void,
): Promise<void> {
  const wanted = o.recipes.flatMap((r) => [...(r.peerFacts ?? []), ...(r.rollBy ? [{ ...r.rollBy, facts: [r.rollBy.fact] }] : [])]);
  if (wanted.length === 0) return;
  const todo = runs
    .map((run) => {
      const vars = cluster.host(run.spec.name)?.vars ?? run.spec.vars;
      const applies = (w: (typeof wanted)[number]) => w.groups.some((g) => run.spec.groups.includes(g)) && (w.when?.(vars) ?? true);
      return { run, facts: [...new Set(wanted.filter(applies).flatMap((w) => w.facts))] };
    })
    .filter((t) => t.facts.length > 0);
  await pool(todo, o.concurrency, async ({ run, facts }) => {
    const push = (r: StepResult) => record(run, r);
    if (!(await ensureContext(run, o, cluster, push))) return;
    const ctx = run.ctx!;
    const r = await timed(run.spec.name, 'facts', 'facts for other hosts', async () => {
      // Asked in one turn: the host context reads them in one exec.
      const values = await Promise.all(facts.map((f) => ctx.fact(f)));
      gathered.set(run.spec.name, new Map(facts.map((f, i) => [f.name, values[i]])));
      return { status: 'ok' as const, message: facts.map((f) => f.name).join(', ') };
    });
    push(r);
    if (r.status === 'failed') run.error = r.message;
  });
}

/** Runs one phase's recipes on one host, connecting first if needed; sets run.error when the host must stop. */
async function runPhase(run: HostRun, recipes: Recipe[], o: ExecuteOptions, cluster: ClusterView, push: (r: StepResult) => void): Promise<void> {
  if (o.signal?.aborted) return;
  if (!(await ensureContext(run, o, cluster, push))) return;
  const h = run.ctx!;
  const notified: Notified = new Map();
  const recipeOpts = { dryRun: o.dryRun, checkRequires: o.checkRequires, signal: o.signal, stepStart: o.events?.stepStart };
  try {
    const ahead = recipes.length > 1 && !o.checkRequires ? await planAhead(h, recipes) : undefined;
    for (const recipe of recipes) {
      if (o.signal?.aborted) return;
      o.events?.recipeStart?.(run.spec.name, recipe.name);
      const planned = ahead?.generation === h.generation ? ahead.steps.get(recipe) : undefined;
      run.error = await runRecipe(recipe, h, recipeOpts, push, notified, planned);
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
      const r = await timed(run.spec.name, recipe.name, `handler: ${handler.name}`, async () => {
        await executeActions(h, await handler.actions(h));
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
