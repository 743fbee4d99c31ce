// Tutorial step 1: `apt-get update && apt-get upgrade`, noninteractive, keeping existing config files.
// Changed only when packages were upgraded; `update` is skipped while the lists are fresh.
import type { Recipe, Step } from '../runner/engine/types.js';
import { aptGet } from '../runner/engine/primitives/index.js';
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

const refreshLists: Step = {
  name: 'package lists fresh (apt-get update)',
  reads: () => [LISTS_AGE],
  async check(h) {
    const maxAge = opt<number>(h, 'apt_cache_valid_time');
    const out = await h.sh(LISTS_AGE);
    const [stamp, sourceChanged, now] = out.trim().split(' ').map(Number) as [number, number, number];
    if (now - stamp < maxAge && !sourceChanged) return { state: 'ok', note: `lists updated ${now - stamp}s ago` };
    return { state: 'change', note: stamp ? `lists are ${now - stamp}s old` : 'never updated by haforge', commands: ['apt-get update'] };
  },
  async apply(h) {
    await aptGet(h, 'update');
    await h.sh(`echo \${EPOCHSECONDS:-$(date +%s)} > ${UPDATE_STAMP}`);
    // Refreshing lists is not a change to the system: only upgrades count.
    return { changed: false, note: 'package lists refreshed' };
  },
};

const upgrade: Step = {
  name: 'packages upgraded (apt-get dist-upgrade)',
  reads: (h) => (opt<boolean>(h, 'apt_upgrade') ? [UPGRADE_FRESH] : []),
  async check(h) {
    if (!opt<boolean>(h, 'apt_upgrade')) return { state: 'skip', reason: 'apt_upgrade is off' };
    const fresh = await h.run(UPGRADE_FRESH);
    if (fresh.code === 0) return { state: 'ok', note: 'nothing new since the last upgrade' };
    // The binary caches empty: apt builds them in memory, so a check never writes /var/cache/apt/*pkgcache.bin
    // (it did on a host whose cache was missing or older than its lists; seen by the e2e snapshot).
    const sim = await h.sh("apt-get -s -q -o Debug::NoLocking=1 -o Dir::Cache::pkgcache='' -o Dir::Cache::srcpkgcache='' dist-upgrade");
    const pkgs = [...sim.matchAll(/^Inst (\S+)/gm)].map((m) => m[1]!);
    // Nothing to upgrade: only the stamp is renewed (by apply, never by a check), so the next run skips the simulation.
    if (pkgs.length === 0) return { state: 'change', bookkeeping: true, note: 'all packages up to date' };
    return { state: 'change', note: `${pkgs.length} to upgrade: ${pkgs.slice(0, 8).join(' ')}${pkgs.length > 8 ? ' ...' : ''}`, commands: ['apt-get dist-upgrade'] };
  },
  async apply(h, check) {
    if (check.bookkeeping) {
      await h.sh(`touch ${UPGRADE_STAMP}`);
      return { changed: false };
    }
    const out = await aptGet(h, 'dist-upgrade');
    await h.sh(`touch ${UPGRADE_STAMP}`);
    const m = /(\d+) upgraded, (\d+) newly installed/.exec(out);
    const n = m ? Number(m[1]) + Number(m[2]) : 0;
    return { changed: n > 0, note: `${n} package(s) upgraded or installed` };
  },
};

/**
 * A package step that keeps the upgrade stamp fresh across its install. Installing from the same lists takes
 * candidate versions, so it cannot make anything upgradable: when nothing was upgradable before (stamp fresh),
 * nothing is after, and the next run needs no `apt-get -s dist-upgrade` (seconds) just because dpkg's status file
 * changed. An explicit version (`name=1.2*`) may be below the candidate: then the stamp is left to age as before.
 */
export function keepingUpgradeStamp(step: Step, names: readonly string[]): Step {
  if (names.some((n) => n.includes('='))) return step;
  return {
    ...step,
    async apply(h, check) {
      const wasFresh = (await h.run(UPGRADE_FRESH)).code === 0;
      const out = await step.apply(h, check);
      if (wasFresh) await h.sh(`touch ${UPGRADE_STAMP}`);
      return out;
    },
  };
}

export const systemUpdate: Recipe = {
  name: 'system-update',
  summary: 'apt-get update (skipped while lists are fresh) and dist-upgrade, noninteractive, keeping config files',
  roles: ['all'],
  steps: () => [refreshLists, upgrade],
};
