// Tutorial step 4: `sed -i s/ENABLED=0/ENABLED=1/` in /etc/default/haproxy and /etc/init.d/haproxy.
// Current Debian has no ENABLED line at all: then nothing is touched and the step is ok.
// `[ \t]*`, not `\s*`: with the m flag `\s*$` also eats the newline (a last line lost its end of line).
import type { Recipe } from '../runner/engine/types.js';
import { replace } from '../runner/engine/primitives/index.js';
import { haproxyInstalled } from './haproxy-facts.js';

export const haproxyEnable: Recipe = {
  name: 'haproxy-enable',
  summary: 'ENABLED=0 -> ENABLED=1 in /etc/default/haproxy and /etc/init.d/haproxy (a no-op where absent)',
  roles: ['lb'],
  after: ['haproxy-install'],
  requires: [{ recipe: 'haproxy-install', fact: haproxyInstalled, what: 'the haproxy package' }],
  steps: () =>
    ['/etc/default/haproxy', '/etc/init.d/haproxy'].map((path) =>
      replace({ path, pattern: /^ENABLED=0[ \t]*$/m, replacement: 'ENABLED=1', name: `ENABLED=1 in ${path}` }),
    ),
};
