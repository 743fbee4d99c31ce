// Tutorial step 1: `apt-get update && apt-get upgrade`, noninteractive, keeping existing config files.
// Changed only when packages were upgraded; `update` is skipped while the lists are fresh.
import type { Fact, Recipe, RunAction, Step } from '../runner/engine/types.js';
import { aptAction } from '../runner/engine/primitives/index.js';
import { opt } from './options.js';

// haforge's own bookkeeping, so a no-op run needs no `apt-get update` and no upgrade simulation.
const UPDATE_STAMP = '/var/lib/apt/haforge-update-stamp';
const UPGRADE_STAMP = '/var/lib/apt/haforge-upgrade-stamp';

// Stamp time, whether a source changed since (a new source needs an update whatever the age), and now.
// Compared with the shell's own `-nt` rather than `stat | sort | tail`: every host pays these on every run, and
// each process started costs more than the test (21 lab hosts on 2 CPUs: ~10 ms of CPU per host saved).
// The stamp holds its own time (no `stat` either); a stamp without it (older haforge) is read with stat.
const LISTS_AGE =
  `s=${UPDATE_STAMP}; t=; read t 2>/dev/null < $s; case $t in ''|*[!0-9]*) t=$(stat -c %Y $s 2>/dev/null || echo 0);; esac; n=0; ` +
  `for f in /etc/apt/sources.list /etc/apt/sources.list.d /etc/apt/sources.list.d/* /etc/apt/preferences.d; do ` +
  `[ -e "$f" ] && [ "$f" -nt $s ] && n=1; done; echo "$t $n \${EPOCHSECONDS:-$(date +%s)}"`;
// Nothing can have become upgradable unless the lists or the installed set changed since the last check.
const UPGRADE_FRESH =
  `s=${UPGRADE_STAMP}; [ -e $s ] || exit 1; for f in /var/lib/apt/lists/* /var/lib/dpkg/status; do [ "$f" -nt $s ] && exit 1; done; exit 0`;

const STAMP_UPDATE = `echo \${EPOCHSECONDS:-$(date +%s)} > ${UPDATE_STAMP}`;
const STAMP_UPGRADE: RunAction = { kind: 'run', command: `touch ${UPGRADE_STAMP}`, bookkeeping: true };

// The lists were refreshed after the last upgrade (by this run's update step, or an earlier run's that failed before
// its upgrade): what is upgradable now is not what a simulation before that refresh said.
const REFRESHED_SINCE_UPGRADE = `[ ${UPDATE_STAMP} -nt ${UPGRADE_STAMP} ]`;

type HostView = Parameters<Step['check']>[0];

/** A fact, so both steps share one read (and a step's apply makes the engine read it afresh). */
const listsAge: Fact<[stamp: number, sourceChanged: number, now: number]> = {
  name: 'apt lists age',
  command: LISTS_AGE,
  parse: (r) => r.stdout.trim().split(' ').map(Number) as [number, number, number],
};

/** Whether this run's update step refreshes the lists, and why. */
async function listsState(h: HostView): Promise<{ stale: boolean; note: string }> {
  const [stamp, sourceChanged, now] = await h.fact(listsAge);
  if (now - stamp < opt<number>(h, 'apt_cache_valid_time') && !sourceChanged) return { stale: false, note: `lists updated ${now - stamp}s ago` };
  return { stale: true, note: stamp ? `lists are ${now - stamp}s old` : 'never updated by haforge' };
}

const refreshLists: Step = {
  name: 'package lists fresh (apt-get update)',
  reads: () => [LISTS_AGE],
  async check(h) {
    const lists = await listsState(h);
    if (!lists.stale) return { state: 'ok', note: lists.note };
    return {
      state: 'change',
      note: lists.note,
      // Refreshing lists is not a change to the system: only upgrades count.
      actions: [aptAction(h, 'update', [], { changed: 'never' }), { kind: 'run', command: STAMP_UPDATE, bookkeeping: true }],
    };
  },
};

const upgrade: Step = {
  name: 'packages upgraded (apt-get dist-upgrade)',
  reads: (h) => (opt<boolean>(h, 'apt_upgrade') ? [LISTS_AGE, REFRESHED_SINCE_UPGRADE, UPGRADE_FRESH] : []),
  async check(h) {
    if (!opt<boolean>(h, 'apt_upgrade')) return { state: 'skip', reason: 'apt_upgrade is off' };
    // Lists refreshed in this run (or about to be, in a dry run): a simulation before the refresh cannot say what
    // the new lists bring, so the plan is the upgrade itself, the same in the dry run and the real one (found by
    // the dry-run-equals-execution proof on fresh hosts: the dry run planned nothing, the real run upgraded).
    // apt says whether it upgraded anything: nothing -> ok.
    if ((await listsState(h)).stale || (await h.run(REFRESHED_SINCE_UPGRADE)).code === 0) {
      return {
        state: 'change',
        note: 'the lists are refreshed in this run: dist-upgrade whatever they bring',
        actions: [aptAction(h, 'dist-upgrade', [], { changed: 'upgraded' }), STAMP_UPGRADE],
      };
    }
    const fresh = await h.run(UPGRADE_FRESH);
    if (fresh.code === 0) return { state: 'ok', note: 'nothing new since the last upgrade' };
    // The binary caches empty: apt builds them in memory, so a check never writes /var/cache/apt/*pkgcache.bin
    // (it did on a host whose cache was missing or older than its lists; seen by the e2e snapshot).
    const sim = await h.sh("apt-get -s -q -o Debug::NoLocking=1 -o Dir::Cache::pkgcache='' -o Dir::Cache::srcpkgcache='' dist-upgrade");
    const pkgs = [...sim.matchAll(/^Inst (\S+)/gm)].map((m) => m[1]!);
    // Nothing to upgrade: only the stamp is renewed (by apply, never by a check), so the next run skips the simulation.
    if (pkgs.length === 0) return { state: 'change', bookkeeping: true, note: 'all packages up to date', actions: [STAMP_UPGRADE] };
    return {
      state: 'change',
      note: `${pkgs.length} to upgrade: ${pkgs.slice(0, 8).join(' ')}${pkgs.length > 8 ? ' ...' : ''}`,
      // Changed only when apt says it upgraded or installed something.
      actions: [aptAction(h, 'dist-upgrade', [], { changed: 'upgraded' }), STAMP_UPGRADE],
    };
  },
};

/** Set just before an install when nothing was upgradable then (see keepingUpgradeStamp). */
const FRESH_MARK = '/var/lib/apt/haforge-upgrade-fresh.mark';
const MARK_IF_FRESH: RunAction = { kind: 'run', command: `if (${UPGRADE_FRESH}); then : > ${FRESH_MARK}; else rm -f ${FRESH_MARK}; fi`, bookkeeping: true };
const STAMP_IF_MARKED: RunAction = { kind: 'run', command: `if [ -e ${FRESH_MARK} ]; then rm -f ${FRESH_MARK}; touch ${UPGRADE_STAMP}; fi`, bookkeeping: true };

/**
 * A package step that keeps the upgrade stamp fresh across its install. Installing from the same lists takes
 * candidate versions, so it cannot make anything upgradable: when nothing was upgradable before (stamp fresh),
 * nothing is after, and the next run needs no `apt-get -s dist-upgrade` (seconds) just because dpkg's status file
 * changed. Whether the stamp was fresh is asked on the host right before the install, not by the check: earlier
 * steps of the same run (the upgrade, a new repository's update) change the answer, and a dry run must list the
 * same commands the real run executes. An explicit version (`name=1.2*`) may be below the candidate: then the
 * stamp is left to age as before.
 */
export function keepingUpgradeStamp(step: Step, names: readonly string[]): Step {
  if (names.some((n) => n.includes('='))) return step;
  return {
    ...step,
    async check(h) {
      const c = await step.check(h);
      if (c.state !== 'change') return c;
      return { ...c, actions: [MARK_IF_FRESH, ...c.actions, STAMP_IF_MARKED] };
    },
  };
}

export const systemUpdate: Recipe = {
  name: 'system-update',
  summary: 'apt-get update (skipped while lists are fresh) and dist-upgrade, noninteractive, keeping config files',
  roles: ['all'],
  steps: () => [refreshLists, upgrade],
};
