#!/usr/bin/env node
// First step of `npm test` (issue 21): what the suite needs from this machine, checked before anything runs.
// As root on Debian, missing apt packages are installed (said first, daemons kept from starting: the tests start
// their own sshd and haproxy by PID). Otherwise one line names what is missing and how to get it, exit 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

// openssh-server: the integration suite's own sshd; debootstrap: the lab's base images; systemd-container:
// systemd-nspawn, which boots the lab's systemd hosts; haproxy: `haproxy -c` on every generated config; openssl:
// hashes and certificates; sudo: the sudo paths; tmux: the wizard test; gpg: repository keys; curl, iproute2:
// the lab; pebble: Let's Encrypt's test CA (and its challenge server) for the ACME tests; socat: HAProxy's runtime
// socket in those tests.
export const PACKAGES = ['openssh-server', 'debootstrap', 'systemd-container', 'haproxy', 'openssl', 'sudo', 'tmux', 'curl', 'gpg', 'iproute2', 'pebble', 'socat'];

const say = (line) => process.stderr.write(`npm test: ${line}\n`);
const stop = (line) => {
  say(line);
  process.exit(1);
};

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('ii');
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) stop(`needs Node.js 20.19 or newer (this is ${process.version})`);
if (process.platform !== 'linux' || !existsSync('/usr/bin/dpkg-query')) stop('needs a Debian machine (12 or 13): the tests use apt packages and the local lab');
const missing = PACKAGES.filter((p) => !installed(p));
const root = process.getuid?.() === 0;
if (!root) {
  const also = missing.length ? `, and the packages ${missing.join(' ')} (it installs them)` : '';
  stop(`needs root (the e2e lab makes network namespaces; the integration tests chown and use sudo)${also}: run sudo npm test, or npm run test:unit alone`);
}
if (missing.length) {
  say(`installing ${missing.join(' ')} (apt-get install -y --no-install-recommends)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Packages must not start their daemons here (sshd on :22, haproxy): block service starts if nothing else does.
  const policy = '/usr/sbin/policy-rc.d';
  const madePolicy = !existsSync(policy);
  if (madePolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    stop(`could not install ${missing.join(' ')}; install them with apt-get install ${missing.join(' ')} and run npm test again`);
  } finally {
    if (madePolicy) rmSync(policy, { force: true });
  }
  const still = missing.filter((p) => !installed(p));
  if (still.length) stop(`still missing after apt-get install: ${still.join(' ')}`);
}
