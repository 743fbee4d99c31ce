// Tutorial step 3: `apt-get install haproxy` (the pinned branch when haproxy-repo set one).
import type { Recipe } from '../runner/engine/types.js';
import { packages } from '../runner/engine/primitives/index.js';
import { opt } from './options.js';
import { keepingUpgradeStamp } from './system-update.js';

export const haproxyInstall: Recipe = {
  name: 'haproxy-install',
  summary: 'Install haproxy (the pinned branch when a repository is set) and record its version',
  roles: ['lb'],
  after: ['haproxy-repo'],
  steps(h) {
    const version = h.vars['haproxy_version'];
    const pinned = opt<string>(h, 'haproxy_source') !== 'distro' && typeof version === 'string';
    // socat: the runtime API's client (recipes/lib/haproxy-runtime.ts: drain, maint, ready).
    const names = [pinned ? `haproxy=${version}.*` : 'haproxy', 'socat'];
    // Templates read the version: the engine forgets every fact once a step changes something, so the next
    // read sees the new package.
    return [keepingUpgradeStamp(packages({ names, name: 'haproxy installed' }), names)];
  },
};
