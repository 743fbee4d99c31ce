// Tutorial step 6: start haproxy, and make it start at boot (sysv links or systemd, whichever the host has).
import type { Recipe } from '../runner/engine/types.js';
import { service } from '../runner/engine/primitives/index.js';
import { haproxyInstalled } from './haproxy-facts.js';

/** Debian's haproxy: its init script writes the master's pid here. */
export const HAPROXY_SERVICE = { name: 'haproxy', pidFile: '/run/haproxy.pid' };

export const haproxyService: Recipe = {
  name: 'haproxy-service',
  summary: 'haproxy running and enabled at boot',
  roles: ['lb'],
  after: ['haproxy-config'],
  requires: [{ recipe: 'haproxy-install', fact: haproxyInstalled, what: 'the haproxy package' }],
  steps: () => [service({ ...HAPROXY_SERVICE, enabled: true })],
};
