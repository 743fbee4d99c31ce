// facts: read what a host is (OS, init system, installed haproxy/apache) and report it. Changes nothing.
import type { Recipe } from '../runner/engine/types.js';
import { initSystem, osRelease, packageVersion } from '../runner/engine/facts.js';

export const facts: Recipe = {
  name: 'facts',
  summary: 'Report each host\'s OS release, init system and installed haproxy/apache2 versions (read-only)',
  roles: ['all'],
  explicit: true,
  steps: () => [
    {
      name: 'gather facts',
      async check(h) {
        const [os, init, haproxy, apache] = await Promise.all([
          h.fact(osRelease),
          h.fact(initSystem),
          h.fact(packageVersion('haproxy')),
          h.fact(packageVersion('apache2')),
        ]);
        return {
          state: 'ok',
          note: `${os.prettyName}; init ${init}; haproxy ${haproxy ?? 'not installed'}; apache2 ${apache ?? 'not installed'}`,
        };
      },
    },
  ],
};
