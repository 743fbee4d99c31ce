// Builds the HostContext a step sees from a live connection: facts cached per host, commands logged.
import type { Remote, RunOptions, RunResult } from '../transport/types.js';
import type { HostSpec, Vars } from '../inventory/types.js';
import { StepError, type ClusterView, type Fact, type HostContext } from './types.js';
import { batchScript } from './batch.js';

export interface HostContextOptions {
  remote: Remote;
  spec: HostSpec;
  cluster: ClusterView;
  /** Run-level overrides (flags, wizard answers), on top of the host's merged vars. */
  overrides: Vars;
  secrets: Record<string, string | undefined>;
  dryRun: boolean;
  /** Called with every command before it runs (--verbose); the reporter redacts. */
  onCommand?: (host: string, cmd: string) => void;
  onProgress?: (host: string, text: string) => void;
  /** Time limit of a remote command that sets none itself (--command-timeout); default 600 s. */
  commandTimeoutMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 600_000;

/** The executor's side of a host context: answers read ahead for a recipe's checks (Step.reads). */
export interface EngineHostContext extends HostContext {
  /** Runs these commands now, together, and keeps each answer for the first h.run() of the same command. */
  prefetch(cmds: readonly string[]): Promise<void>;
  /** Forgets the answers not used yet and the facts read so far (the host may have changed since). */
  dropPrefetched(): void;
  /** How many times answers were dropped: a plan made at one value is stale at another. */
  readonly generation: number;
}

export function createHostContext(o: HostContextOptions): EngineHostContext {
  const limitMs = o.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const facts = new Map<string, Promise<unknown>>();
  const prefetched = new Map<string, RunResult>();
  let generation = 0;
  // Fact commands asked for in the same turn of the event loop (a recipe's prerequisites and what its plan
  // needs, asked together) go to the host in one exec: one session for sshd to start instead of several.
  let factQueue: string[] = [];
  let factFlush: Promise<void> | undefined;
  const readFact = (cmd: string): Promise<RunResult> => {
    if (prefetched.has(cmd)) return run(cmd);
    factQueue.push(cmd);
    factFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const cmds = factQueue;
      factQueue = [];
      factFlush = undefined;
      if (cmds.length > 1) await ctx.prefetch(cmds);
    });
    // Each asker takes its own answer from the batch (or reads live when the batch could not give it).
    return factFlush.then(() => run(cmd));
  };
  const run = async (cmd: string, opts?: RunOptions) => {
    const ready = opts === undefined || Object.keys(opts).length === 0 ? prefetched.get(cmd) : undefined;
    if (ready) {
      prefetched.delete(cmd);
      return ready;
    }
    o.onCommand?.(o.spec.name, cmd);
    // Every command has a time limit (Lower (c), issue 21): a hung host must never hang the run.
    const own = opts?.timeoutMs !== undefined;
    const r = await o.remote.run(cmd, own ? opts : { ...opts, timeoutMs: limitMs });
    if (!own && r.interrupted === 'timeout') throw timedOut(cmd, limitMs, o.spec.name);
    // No exit status because the connection went away: whatever the output says (apt's first warning, an
    // empty stdout read as "absent") is not the command's answer. Stop the host with the real reason.
    if (r.interrupted === 'disconnected') {
      throw new StepError(`connection to ${o.spec.name} was lost while a command was running (${firstWord(cmd)}); it may still be running there`);
    }
    return r;
  };
  const ctx: EngineHostContext = {
    name: o.spec.name,
    spec: o.spec,
    groups: o.spec.groups,
    vars: { ...o.spec.vars, ...o.overrides },
    cluster: o.cluster,
    secrets: o.secrets,
    dryRun: o.dryRun,
    run,
    async sh(cmd, opts) {
      const r = await run(cmd, opts);
      if (r.code !== 0) {
        const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
        throw new StepError(`command failed (${r.code ?? r.signal ?? 'no exit code'}): ${why || cmd}`, r.stderr);
      }
      return r.stdout;
    },
    upload(path, content, opts) {
      o.onCommand?.(o.spec.name, `upload ${path}${opts?.mode !== undefined ? ` mode ${opts.mode.toString(8)}` : ''}`);
      return o.remote.upload(path, content, { timeoutMs: limitMs, ...opts });
    },
    fact<T>(fact: Fact<T>): Promise<T> {
      let p = facts.get(fact.name) as Promise<T> | undefined;
      if (!p) {
        p = readFact(fact.command).then((r) => fact.parse(r));
        // A failed read is not cached: the next asker tries again.
        p.catch(() => facts.delete(fact.name));
        facts.set(fact.name, p);
      }
      return p;
    },
    forget(fact) {
      facts.delete(fact.name);
    },
    progress(text) {
      o.onProgress?.(o.spec.name, text);
    },
    async prefetch(cmds) {
      const todo = [...new Set(cmds)].filter((c) => !prefetched.has(c));
      if (todo.length === 0) return;
      // A read that fails here (connection trouble) is simply not kept: check runs it and reports why.
      if (todo.length === 1) {
        const r = await run(todo[0]!).catch(() => undefined);
        if (r) prefetched.set(todo[0]!, r);
        return;
      }
      // Several: one exec for all of them (see batch.ts).
      for (const cmd of todo) o.onCommand?.(o.spec.name, cmd);
      const batch = batchScript(todo);
      const r = await o.remote.run(batch.script, { timeoutMs: limitMs }).catch(() => undefined);
      if (!r || r.interrupted) return;
      const answers = batch.parse(r);
      answers?.forEach((a, i) => prefetched.set(todo[i]!, a));
    },
    get generation() {
      return generation;
    },
    dropPrefetched() {
      prefetched.clear();
      // Facts too: plans are made ahead (executor.ts planAhead), so a fact may have been read before a change.
      facts.clear();
      generation++;
    },
  };
  return ctx;
}

function timedOut(cmd: string, limitMs: number, host: string): StepError {
  return new StepError(
    `${firstWord(cmd)} timed out after ${limitMs / 1000} s on ${host} and was stopped; if the host is just slow, raise --command-timeout SECONDS`,
  );
}

/** The program a command line starts, for messages (never its arguments: they may be long or private). */
function firstWord(cmd: string): string {
  const words = cmd.trim().split(/\s+/).filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
  return words[0] ?? 'command';
}
