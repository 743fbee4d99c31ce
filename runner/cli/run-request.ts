// What a run is asked to do (up / run / check / verify, the demo's and the wizard's runs): the recipes and options
// it may use, and who may be asked what. Types only, shared by the run's phases.
import type { Inventory, Vars } from '../inventory/types.js';
import type { Recipe, RunOption, SecretSpec } from '../engine/types.js';
import type { CliOptions } from './args.js';
import type { Preflight } from './check-vars.js';
import type { Prompter } from './secrets.js';

export interface Catalogue {
  recipes: readonly Recipe[];
  options: readonly RunOption[];
  secrets: readonly SecretSpec[];
  /** Vars recipes read that are not flags (web_port, ...): checked like options. */
  hostVars?: readonly RunOption[];
  /** Checks a host's vars before any connection; returns a problem to report with exit 2. */
  preflight?: Preflight;
  /** Checks across hosts (the HA pair's VIP) before any connection: a problem (exit 2) and warnings. */
  clusterPreflight?: (inventory: Inventory, run?: { recipes: readonly string[]; vars: Readonly<Vars> }) => { problem?: string; warnings?: string[] };
  /** Commands that run one recipe with vars from their words (`haforge drain web1`). */
  commands?: readonly CatalogueCommand[];
}

export interface CatalogueCommand {
  name: string;
  usage: string;
  summary: string;
  recipe: string;
  args(words: readonly string[]): { vars: Vars } | { problem: string };
}

export interface PlanRequest {
  command: 'up' | 'run' | 'check' | 'verify' | 'status' | 'failover';
  recipeNames?: string[];
  options: CliOptions;
  catalogue: Catalogue;
  /** An inventory already parsed (the wizard's); otherwise -i or $HAFORGE_INVENTORY. */
  inventory?: Inventory;
  /** Files read for secrets nothing else supplies (the demo lab's stats password). */
  fallbackSecretFiles?: Record<string, string>;
  /** Where secrets are read from (default process.env); the wizard passes the answers it collected. */
  env?: NodeJS.ProcessEnv;
  /** Present when a person can answer prompts. */
  prompt?: Prompter;
  confirm?: (message: string) => Promise<boolean>;
  /** Why nobody is asked (for the messages of missing answers). */
  noPromptReason?: string;
}
