// The read-only view of the whole run a step gets as h.cluster: every inventory host's address, groups and
// vars (flags on top), and the facts gathered from the run's hosts before any of them changed (a barrier:
// see Recipe.peerFacts and executor.ts). Steps never see another host's connection or credentials.
import type { HostSpec, Inventory, Vars } from '../inventory/types.js';
import type { RunResult } from '../transport/types.js';
import { StepError, type ClusterView, type Fact, type PeerView } from './types.js';

/** host name -> fact name -> value, filled by the executor's gathering before the first phase. */
export type GatheredFacts = Map<string, Map<string, unknown>>;

/** Runs a read-only command on a host the run is connected to now; undefined when it is not. */
export type LiveReader = (host: string, cmd: string) => Promise<RunResult> | undefined;

export function clusterView(inventory: Inventory, runHosts: readonly HostSpec[], overrides: Vars, gathered: GatheredFacts, live: LiveReader = () => undefined): ClusterView {
  const inRun = new Set(runHosts.map((h) => h.name));
  const peers = inventory.hosts.map((spec): PeerView => {
    const vars: Readonly<Vars> = Object.freeze({ ...spec.vars, ...overrides });
    return Object.freeze({
      name: spec.name,
      address: spec.address,
      port: spec.port,
      groups: Object.freeze([...spec.groups]),
      vars,
      inRun: inRun.has(spec.name),
      fact<T>(fact: Fact<T>): T {
        const known = gathered.get(spec.name);
        if (!known?.has(fact.name)) {
          const why = inRun.has(spec.name)
            ? 'no recipe of this run gathers it (declare it in the recipe\'s peerFacts)'
            : 'that host is not part of this run (--limit)';
          throw new StepError(`fact ${fact.name} of ${spec.name} was not gathered: ${why}`);
        }
        return known.get(fact.name) as T;
      },
      async readNow<T>(fact: Fact<T>): Promise<T> {
        const pending = live(spec.name, fact.command);
        if (!pending) {
          const why = inRun.has(spec.name) ? 'it is not connected yet (a later batch of the rollout)' : 'that host is not part of this run (--limit)';
          throw new StepError(`cannot read ${fact.name} of ${spec.name} now: ${why}`);
        }
        return fact.parse(await pending);
      },
    });
  });
  const byName = new Map(peers.map((p) => [p.name, p]));
  return {
    hosts: (group) => (group === undefined ? peers : (inventory.groups[group] ?? []).map((n) => byName.get(n)!)),
    host: (name) => byName.get(name),
  };
}
