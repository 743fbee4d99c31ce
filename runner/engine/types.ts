// The recipe model. Recipes import only from here (and runner/engine/primitives): no listr2, no ssh2.
import type { RunOptions, RunResult, UploadOptions } from '../transport/types.js';
import type { HostSpec, Vars } from '../inventory/types.js';
import type { OptionSpec } from '../inventory/option.js';
import type { Action, ActionView } from './actions/types.js';

export type { Action, ActionView, Activation, LiveAction, PackagesAction, RemoveAction, RunAction, ServiceAction, WriteAction } from './actions/types.js';

export type Status = 'ok' | 'changed' | 'failed' | 'skipped';

/** A fact: one read-only command and a parser. Read on demand, cached per host per run. */
export interface Fact<T> {
  name: string;
  command: string;
  parse(result: RunResult): T;
}

/** What a step sees of another host of the inventory: never its connection or credentials. */
export interface PeerView {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly groups: readonly string[];
  /** Merged vars (host over group over global), run options on top. */
  readonly vars: Readonly<Vars>;
  /** Whether this run works on it (false when --limit left it out). */
  readonly inRun: boolean;
  /** A fact gathered from it before any host changed (Recipe.peerFacts); throws a StepError otherwise. */
  fact<T>(fact: Fact<T>): T;
  /**
   * The fact read from it now, not cached (a check that must see the cluster as it is, e.g. which host holds a
   * shared address right now). Facts are read-only commands, so this never changes the peer. Only for a peer
   * this run has connected to (this batch or an earlier one); throws a StepError otherwise.
   */
  readNow<T>(fact: Fact<T>): Promise<T>;
}

/** The read-only view of the run that every step gets. */
export interface ClusterView {
  /** The inventory's hosts in file order; with a group, its members in the group's order. */
  hosts(group?: string): readonly PeerView[];
  host(name: string): PeerView | undefined;
}

/** What a step sees of the host it runs on. Every command runs as root (sudo when the login is not root). */
export interface HostContext {
  readonly name: string;
  readonly spec: HostSpec;
  readonly groups: readonly string[];
  /** Merged vars: host over group over global, then run options (flags) on top. */
  readonly vars: Vars;
  /** Every host of the inventory, read-only (a load balancer's servers, a VRRP peer's address). */
  readonly cluster: ClusterView;
  /** Secrets given to the run (stats password, ...): never log them. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  readonly dryRun: boolean;
  /** Runs a command; resolves whatever the exit code. Without its own `timeoutMs` it gets the run's
   * --command-timeout, and throws a StepError when that stops it. */
  run(cmd: string, opts?: RunOptions): Promise<RunResult>;
  /** Runs a command; resolves with stdout, throws StepError(stderr) on a non-zero exit. */
  sh(cmd: string, opts?: RunOptions): Promise<string>;
  upload(path: string, content: string | Buffer, opts?: UploadOptions): Promise<void>;
  fact<T>(fact: Fact<T>): Promise<T>;
  /** Forget a cached fact (after a step changed what it reads). */
  forget(fact: Fact<unknown>): void;
  /** A short live progress line for long steps (current package, phase). */
  progress(text: string): void;
}

/**
 * What a check found. 'change' carries the plan: the actions the engine runs for it (runner/engine/actions),
 * exactly as --dry-run shows them. A change marked `bookkeeping` touches only haforge's own records on the host
 * (a stamp), never the system: a dry run leaves it out, and a real run applies it and reports ok. Checks
 * themselves never write.
 */
export type Check =
  | { state: 'ok'; note?: string }
  | { state: 'change'; note?: string; diff?: string; actions: Action[]; bookkeeping?: boolean }
  | { state: 'skip'; reason: string };

export interface Step {
  name: string;
  /** Read-only. Must be safe to run in --dry-run. A change's actions are all that a real run then does. */
  check(h: HostContext): Promise<Check>;
  /** Handlers (by name, in the same recipe) to run at the end of the host's run when this step changed. */
  notify?: string[];
  /**
   * Optional: the commands check() will run with h.run() / h.sh() (exactly as it runs them, with no options),
   * when they are known before check runs. The executor runs the reads of all of a recipe's steps together, in
   * one exec on the host (runner/engine/batch.ts), before the first check: check then finds its answers there
   * instead of paying a round trip and an sshd session each. As soon as a step changes something, the answers not yet used
   * are dropped and later checks read live, so a check never sees the host as it was before an earlier step.
   * A read must be safe to run early: read-only, like check itself.
   */
  reads?(h: HostContext): string[] | Promise<string[]>;
}

export interface Handler {
  name: string;
  /** What it does, as data like a step's plan (read-only here; the engine runs them). */
  actions(h: HostContext): Action[] | Promise<Action[]>;
}

export interface Recipe {
  name: string;
  /** One line for `haforge list`. */
  summary: string;
  /** Groups it applies to; 'all' for every host. */
  roles: string[];
  /** Recipes that must run before this one when both are planned. */
  after?: string[];
  /**
   * Prerequisite probes: when the recipe runs without its dependencies (`run X`), each is checked and a
   * failure names the recipe that provides it (`--with-deps` plans it instead).
   */
  requires?: { recipe: string; fact: Fact<boolean>; what: string }[];
  /** Planned only when named (`haforge run facts`), never by `up`. */
  explicit?: boolean;
  /** Start only after every host has finished the recipes planned before it (e.g. verify after all web nodes). */
  sync?: boolean;
  /**
   * Facts its steps read of other hosts (h.cluster.host(x).fact(f)): read on every host of these groups that the
   * run works on, before any host starts (a barrier, not a race), and not read again during the run.
   */
  peerFacts?: {
    groups: string[];
    facts: Fact<unknown>[];
    /** Only on hosts whose vars (flags on top) call for it: no round trip for a fact nothing will read. */
    when?: (vars: Readonly<Vars>) => boolean;
  }[];
  /**
   * Rolling order by what the hosts are now: hosts of these groups change in batches by `rank` of a fact read
   * before any host starts (with peerFacts), lowest first; hosts of other groups go with the first. E.g. an HA
   * pair's backups before its master, so a shared address moves at most once. Within each batch of `serial`.
   */
  rollBy?: {
    groups: string[];
    fact: Fact<unknown>;
    rank(value: unknown, vars: Readonly<Vars>): number;
    when?: (vars: Readonly<Vars>) => boolean;
  };
  steps(h: HostContext): Step[] | Promise<Step[]>;
  handlers?: Handler[];
}

/** A failure with a one-line reason for the recap (no stack trace shown to users). */
export class StepError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
    this.name = 'StepError';
  }
}

export interface StepResult {
  host: string;
  recipe: string;
  step: string;
  status: Status;
  durationMs: number;
  message?: string;
  diff?: string;
  /** The plan's commands (uploads as `upload PATH (...)`), as run; and the actions, typed, for --json. */
  commands?: string[];
  actions?: ActionView[];
}

/** A run option that recipes read from vars: an entry of the option registry (runner/inventory/option.ts), from
 * which the CLI makes its flag, the wizard its question and check, and the schema its type. */
export type RunOption = OptionSpec;

/** A secret a run may need. Taken from the environment, a file flag, or a prompt on a TTY; never from argv. */
export interface SecretSpec {
  /** Key in HostContext.secrets. */
  name: string;
  env: string;
  /** `--NAME-file PATH` flag reading the secret from a file. */
  fileFlag?: string;
  description: string;
  /** The recipes that read it: asked for only when one of them is planned. */
  neededBy: string[];
  /** Whether this run needs it, given the global vars after flags. */
  required(vars: Vars): boolean;
}
