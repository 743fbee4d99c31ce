// Tutorial step 2: a newer HAProxy from a backports repository, with its signing key. Modern form: the key as a
// signed-by keyring in /etc/apt/keyrings (never apt-key), a deb822 .sources file, and an apt pin. If apt cannot
// verify the repository with that key, everything is put back as it was, so the next `apt-get update` works.
import type { HostContext, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { aptAction, file } from '../runner/engine/primitives/index.js';
import { osRelease } from '../runner/engine/facts.js';
import { armorPublicKey } from './lib/pgp-armor.js';
import { keyFingerprints, keyProblem, spacedFingerprint } from './lib/pgp-fingerprint.js';
import { HAPROXY_DEBIAN_NET_KEY, readRepoKey } from './lib/repo-key.js';
import { opt } from './options.js';
import { deb822Stanza } from './templates/deb822.js';

export const KEYRING = '/etc/apt/keyrings/haforge-haproxy.asc';
export const SOURCES = '/etc/apt/sources.list.d/haforge-haproxy.sources';
export const PREFERENCES = '/etc/apt/preferences.d/haforge-haproxy';
const PATHS = [KEYRING, SOURCES, PREFERENCES];

export interface Repo {
  url: string;
  suite: string;
  component: string;
  key: string;
  version?: string;
}

/** The key's bytes, refused unless it comes over https or from a local file and matches the pin (M2, issue 21).
 * Runs while the recipe plans its steps: a refused key stops the host before anything is written there. */
async function loadKey(where: string, pin: string | undefined): Promise<{ data: Buffer; fingerprint: string }> {
  const data = await readRepoKey(where).catch((e: unknown) => {
    throw new StepError(`haproxy_repo_key ${where}: ${(e as Error).message}`);
  });
  const problem = keyProblem(data, pin);
  if (problem) {
    const what = pin === undefined ? problem : `does not match haproxy_repo_key_fingerprint: it ${problem}`;
    throw new StepError(`repository key ${where} ${what}; nothing was written on the host`);
  }
  return { data, fingerprint: spacedFingerprint(keyFingerprints(data)[0]!) };
}

async function repoOf(h: HostContext): Promise<Repo | undefined> {
  const source = opt<string>(h, 'haproxy_source');
  if (source === 'distro') return undefined;
  const version = h.vars['haproxy_version'] as string | undefined;
  if (source === 'haproxy.debian.net') {
    if (!version) throw new StepError('haproxy_source haproxy.debian.net needs haproxy_version (e.g. 3.2)');
    const { codename } = await h.fact(osRelease);
    return {
      url: 'http://haproxy.debian.net',
      suite: `${codename}-backports-${version}`,
      component: 'main',
      key: (h.vars['haproxy_repo_key'] as string | undefined) ?? HAPROXY_DEBIAN_NET_KEY,
      version,
    };
  }
  const need = (k: string) => {
    const v = h.vars[k];
    if (typeof v !== 'string' || !v) throw new StepError(`haproxy_source custom needs ${k}`);
    return v;
  };
  return {
    url: need('haproxy_repo_url'),
    suite: need('haproxy_repo_suite'),
    component: (h.vars['haproxy_repo_component'] as string | undefined) ?? 'main',
    key: need('haproxy_repo_key'),
    version,
  };
}

export function sourcesFile(r: Repo): string {
  return deb822Stanza('managed by haforge', [['Types', 'deb'], ['URIs', r.url], ['Suites', r.suite], ['Components', r.component], ['Signed-By', KEYRING]]);
}

export function preferencesFile(r: Repo): string {
  // A version pin when a branch is asked for; otherwise prefer the repository's packages by origin.
  const pin = r.version ? `version ${r.version}.*` : `origin ${new URL(r.url).hostname}`;
  return deb822Stanza('managed by haforge', [['Package', 'haproxy*'], ['Pin', pin], ['Pin-Priority', '900']]);
}

// apt's own error lines are read where the update runs (runner/engine/actions/execute.ts).
export { sourceError } from '../runner/engine/actions/index.js';

/** All three files as one unit: installed together, verified by `apt-get update`, rolled back together. */
function repository(r: Repo, key: string, fingerprint: string): Step {
  const parts = [
    file({ path: KEYRING, content: key, mode: 0o644, owner: 'root', group: 'root' }),
    file({ path: SOURCES, content: sourcesFile(r), mode: 0o644, owner: 'root', group: 'root' }),
    file({ path: PREFERENCES, content: preferencesFile(r), mode: 0o644, owner: 'root', group: 'root' }),
  ];
  // Every file kept (or its absence noted), the changed ones written, then apt must fetch the source; if it
  // cannot, the rollback puts all three back as they were. The backups go once apt accepted it.
  const keep = `mkdir -p /etc/apt/keyrings; for f in ${PATHS.join(' ')}; do if [ -f "$f" ]; then cp -p "$f" "$f.haforge-bak"; else rm -f "$f.haforge-bak"; fi; done`;
  const rollback = `for f in ${PATHS.join(' ')}; do if [ -f "$f.haforge-bak" ]; then mv -f "$f.haforge-bak" "$f"; else rm -f "$f"; fi; done`;
  return {
    name: `repository ${r.url} ${r.suite}`,
    async check(h) {
      const checks = await Promise.all(parts.map((p) => p.check(h)));
      const changed = checks.filter((c) => c.state === 'change');
      const note = `key ${fingerprint}`;
      if (changed.length === 0) return { state: 'ok', note };
      return {
        state: 'change',
        note,
        diff: [`repository key fingerprint ${fingerprint}`, ...changed.map((c) => c.diff ?? '')].join('\n'),
        actions: [
          { kind: 'run', command: keep },
          ...changed.flatMap((c) => c.actions),
          aptAction(h, 'update', [], { verify: { url: r.url, suite: r.suite, rollback } }),
          { kind: 'remove', paths: PATHS.map((p) => `${p}.haforge-bak`) },
        ],
      };
    },
  };
}

/** Back to Debian's own haproxy: remove what an earlier run added. */
// The shell's own test, not `ls`: no process started on every run to find nothing.
const PRESENT = `for f in ${PATHS.join(' ')}; do [ -e "$f" ] && echo "$f"; done; true`;
const noExtraRepository: Step = {
  name: 'no extra haproxy repository (distro)',
  reads: () => [PRESENT],
  async check(h) {
    const r = await h.run(PRESENT);
    const present = r.stdout.trim().split('\n').filter(Boolean);
    if (!present.length) return { state: 'ok' };
    return { state: 'change', note: `remove ${present.join(' ')}`, actions: [{ kind: 'remove', paths: present }, aptAction(h, 'update')] };
  },
};

export const haproxyRepo: Recipe = {
  name: 'haproxy-repo',
  summary: 'Optional newer HAProxy source: signed-by keyring, deb822 source and version pin (haproxy_source)',
  roles: ['lb'],
  after: ['system-update'],
  async steps(h) {
    const r = await repoOf(h);
    if (!r) return [noExtraRepository];
    const pin = h.vars['haproxy_repo_key_fingerprint'];
    const key = await loadKey(r.key, typeof pin === 'string' ? pin : undefined);
    return [repository(r, armorPublicKey(key.data), key.fingerprint)];
  },
};
