// Bad input through the real CLI (`node bin/haforge.mjs`, a child process, unattended): every case exits 2
// with one clear message that names the place and the fix, and no connection is made. Each case's hosts
// point at its own TCP listener on 127.0.0.1 that counts the connections it accepts: it must count 0.
// (The 60 malformed-inventory messages of the loader are pinned in test/unit/inventory-load.test.ts; here
// each kind is shown once end to end, with the exit code and the silence on the wire.)
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countingListener } from '../support/counting-listener.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'haforge.mjs');
const execFileP = promisify(execFile);

let dir: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI unattended (stdin a pipe, no TTY), with a clean environment: no HAFORGE_*, no agent. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), NO_COLOR: '1', LANG: 'C.UTF-8' };
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
    child.stdin.end();
  });
}

/** An inventory that is valid apart from what a case changes; {P} is the case's listener port. */
function inventory(o: { ssh?: string; vars?: string; lb?: string; web?: string; extra?: string } = {}): string {
  return [
    'ssh:',
    `  ${o.ssh ?? 'key: ./key'}`,
    '  known_hosts: ./known_hosts',
    ...(o.vars ? ['vars:', ...o.vars.split('\n').map((l) => `  ${l}`)] : []),
    'groups:',
    '  lb:',
    '    hosts:',
    `      ${o.lb ?? 'lb1: { address: 127.0.0.1, port: {P} }'}`,
    '  web:',
    '    hosts:',
    ...(o.web ?? 'web1: { address: 127.0.0.1, port: {P} }\nweb2: { address: 127.0.0.1, port: {P} }').split('\n').map((l) => `      ${l}`),
    ...(o.extra ? [o.extra] : []),
    '',
  ].join('\n');
}

/** Two load balancers on loopback (one listener, several names: no endpoint warning on 127.x). */
const LB_PAIR = 'lb1: { address: 127.0.0.1, port: {P} }\n      lb2: { address: 127.0.0.2, port: {P} }';

const STATS = { HAFORGE_STATS_PASSWORD: 'stats-Secret-4711', CI: 'true' };

interface Case {
  name: string;
  /** Arguments; `INV` is replaced by the case's inventory file. */
  args: string[];
  /** Inventory text ({P}: the listener's port); default: the valid one. */
  inv?: string;
  env?: Record<string, string>;
  /** Every pattern must match the one message (place, what, fix). */
  says: (string | RegExp)[];
}

const cases: Case[] = [
  // --- the inventory file: syntax and shape
  {
    name: 'YAML syntax error: line and column',
    args: ['up', '-i', 'INV'],
    inv: 'groups:\n  lb:\n    hosts:\n      lb1: { address: 127.0.0.1, port: {P}\n  web:\n',
    says: [/inv\.yaml:5:\d+: YAML syntax error/],
  },
  {
    name: 'YAML syntax error: an unclosed quote',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: "127.0.0.1, port: {P} }' }),
    says: [/inv\.yaml:\d+:\d+: YAML syntax error/],
  },
  {
    name: 'unknown key `adress`: did you mean `address`',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { adress: 127.0.0.1, port: {P} }' }),
    says: ['groups.web.hosts.web1.adress: unknown key; did you mean `address`?'],
  },
  {
    name: 'unknown top-level key `group`',
    args: ['up', '-i', 'INV'],
    inv: inventory().replace('groups:', 'group:'),
    says: [/inv\.yaml: group: unknown key; did you mean `groups`\?/],
  },
  {
    name: 'unknown var `persistance`: did you mean `persistence`',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'persistance: source' }),
    says: ['inv.yaml: vars.persistance: unknown var; did you mean `persistence`?'],
  },
  {
    name: 'wrong type: a port as a word',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: eighty }' }),
    says: ['groups.web.hosts.web1.port: expected an integer 1-65535, found "eighty"'],
  },
  {
    name: 'wrong type: a boolean var given as a string',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'keep_alive: "yes please"' }),
    says: ['inv.yaml: vars.keep_alive: expected true or false, found "yes please"'],
  },
  {
    name: 'wrong type: a number var given as a string, at group level',
    args: ['up', '-i', 'INV'],
    inv: inventory().replace('  lb:\n', '  lb:\n    vars: { https_port: "443" }\n'),
    says: ['inv.yaml: groups.lb.vars.https_port: expected an integer 1-65535, found "443"'],
  },
  {
    name: 'wrong type: a host var (web_port) as a string',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P}, vars: { web_port: "8080" } }' }),
    says: ['inv.yaml: groups.web.hosts.web1.vars.web_port: expected an integer 1-65535, found "8080"'],
  },
  {
    name: 'wrong type: ssh.user as a list',
    args: ['up', '-i', 'INV'],
    inv: inventory({ ssh: 'user: [root]\n  key: ./key' }),
    says: ['inv.yaml: ssh.user: expected a user name, found a list'],
  },
  {
    name: 'duplicate host name in one group: line and column',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P} }\nweb1: { address: 127.0.0.2, port: {P} }' }),
    says: [/inv\.yaml:\d+:\d+: YAML syntax error: duplicate key/],
  },
  {
    name: 'the same host defined in two groups',
    args: ['up', '-i', 'INV'],
    inv: inventory({ extra: '  canary:\n    hosts:\n      web1: { address: 127.0.0.3, port: {P} }' }),
    says: ['groups.canary.hosts.web1: host "web1" is already defined in groups.web.hosts.web1', 'list it here by name only'],
  },
  {
    name: 'a host in both roles (lb and web)',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P} }\nlb1:' }),
    says: ['groups.web.hosts.lb1: a host cannot be both the load balancer and a web node; remove "lb1" from groups.lb or groups.web'],
  },
  {
    name: 'no lb group',
    args: ['up', '-i', 'INV'],
    inv: 'ssh:\n  key: ./key\n  known_hosts: ./known_hosts\ngroups:\n  web:\n    hosts:\n      web1: { address: 127.0.0.1, port: {P} }\n',
    says: ['inv.yaml: groups: no lb group; add groups.lb with the load balancer host'],
  },
  {
    name: 'no lb host at all',
    args: ['up', '-i', 'INV'],
    inv: inventory({ lb: '{}' }).replace('    hosts:\n      {}', '    hosts: {}'),
    says: ['inv.yaml: groups.lb.hosts: no host; add the load balancer host'],
  },
  {
    name: 'a jump loop (web1 via web2 via web1)',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P}, jump: web2 }\nweb2: { address: 127.0.0.1, port: {P}, jump: web1 }' }),
    says: ['inv.yaml: groups.web.hosts.web2.jump: jump loop: web1 via web2 via web1'],
  },
  {
    name: 'an unknown jump host',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P}, jump: bastoin }\nweb2: { address: 127.0.0.1, port: {P} }' }),
    says: ['inv.yaml: groups.web.hosts.web1.jump: unknown jump host "bastoin": not a host of this inventory nor an address (give user@address[:port])'],
  },
  {
    name: 'serial 0 on a group',
    args: ['up', '-i', 'INV'],
    inv: inventory({ extra: '' }).replace('  web:\n', '  web:\n    serial: 0\n'),
    says: ['inv.yaml: groups.web.serial: expected a number of hosts (1 or more) or a percentage ("1%" to "100%"), found 0'],
  },
  {
    name: 'serial "150%" on a group',
    args: ['up', '-i', 'INV'],
    inv: inventory().replace('  lb:\n', '  lb:\n    serial: "150%"\n'),
    says: ['inv.yaml: groups.lb.serial: expected a number of hosts (1 or more) or a percentage ("1%" to "100%"), found "150%"'],
  },
  {
    name: 'max_fail_percentage outside 0..100',
    args: ['up', '-i', 'INV'],
    inv: inventory().replace('  lb:\n', '  lb:\n    max_fail_percentage: 101\n'),
    says: ['inv.yaml: groups.lb.max_fail_percentage: expected an integer 0-100 (a percentage), found 101'],
  },
  {
    name: 'an empty web group',
    args: ['up', '-i', 'INV'],
    inv: 'ssh:\n  key: ./key\n  known_hosts: ./known_hosts\ngroups:\n  lb:\n    hosts:\n      lb1: { address: 127.0.0.1, port: {P} }\n  web:\n    hosts: {}\n',
    says: ['inv.yaml: groups.web.hosts: no host; add at least one web node'],
  },
  {
    name: 'an invalid address',
    args: ['up', '-i', 'INV'],
    inv: inventory({ lb: 'lb1: { address: 10.0.0.300, port: {P} }' }),
    says: ['groups.lb.hosts.lb1.address: expected an IPv4 or IPv6 address or a DNS name, found "10.0.0.300"'],
  },
  {
    name: 'a port out of range',
    args: ['up', '-i', 'INV'],
    inv: inventory({ lb: 'lb1: { address: 127.0.0.1, port: 70000 }' }),
    says: ['groups.lb.hosts.lb1.port: expected an integer 1-65535, found 70000'],
  },
  {
    name: 'the key file is missing',
    args: ['up', '-i', 'INV'],
    inv: inventory({ ssh: 'key: ./no-such-key' }),
    says: [/inv\.yaml: ssh\.key: key file not found: \S+no-such-key/],
  },
  {
    name: 'the key file is readable by others',
    args: ['up', '-i', 'INV'],
    inv: inventory({ ssh: 'key: ./open-key' }),
    says: [/ssh\.key: key file \S+open-key has permissions 0644, too open .*; run: chmod 600 \S+open-key/],
  },
  {
    name: 'the inventory file does not exist',
    args: ['up', '-i', 'no-such-inventory.yaml'],
    says: ['no-such-inventory.yaml: file not found'],
  },
  // --- variants and their settings
  {
    name: 'unknown persistence variant as a flag',
    args: ['up', '-i', 'INV', '--persistence', 'sticky'],
    says: ['--persistence: expected one of none, source, cookie-insert, cookie-prefix, found "sticky"'],
  },
  {
    name: 'unknown persistence variant as a host var',
    args: ['up', '-i', 'INV'],
    inv: inventory({ lb: 'lb1: { address: 127.0.0.1, port: {P}, vars: { persistence: cookie } }' }),
    says: ['inv.yaml: groups.lb.hosts.lb1.vars.persistence: expected one of none, source, cookie-insert, cookie-prefix, found "cookie"'],
  },
  {
    name: 'persistence source with a conflicting balance',
    args: ['up', '-i', 'INV', '--balance', 'leastconn'],
    inv: inventory({ vars: 'persistence: source' }),
    says: ['inv.yaml: vars.persistence: persistence source uses balance source; balance leastconn conflicts with it'],
  },
  {
    name: 'cookie-prefix without the PHP app',
    args: ['up', '-i', 'INV', '--persistence', 'cookie-prefix'],
    says: ['--persistence: persistence cookie-prefix', 'turn php on', 'or set cookie_name'],
  },
  {
    name: 'a stats user haproxy.cfg cannot hold (found before connecting, not on the LB)',
    args: ['up', '-i', 'INV', '--stats-user', 'stats admin'],
    says: ['--stats-user: expected 1-64 letters, digits, "_", "." or "-", found "stats admin"'],
  },
  {
    name: 'a bind address that is not an IP (group var)',
    args: ['up', '-i', 'INV'],
    inv: inventory().replace('  lb:\n', '  lb:\n    vars: { bind_address: lb.example.com }\n'),
    says: ['inv.yaml: groups.lb.vars.bind_address: expected an IP address, "*" or "" (all addresses), found "lb.example.com"'],
  },
  // --- M1/M2 of issue 21: a line break in a value, a key over plain http, a key that is not the pinned one
  {
    name: 'a newline in a repository suite (inventory var) would inject a .sources line',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'haproxy_source: custom\nhaproxy_repo_url: http://127.0.0.1/debian\nhaproxy_repo_key: ./k.asc\nhaproxy_repo_suite: "stable\\nComponents: evil"' }),
    says: ['inv.yaml: vars.haproxy_repo_suite: expected a suite name (letters, digits and . _ + ~ / -), found "stable\\nComponents: evil"'],
  },
  {
    name: 'a newline in a cookie name (flag) would inject a haproxy.cfg line',
    args: ['up', '-i', 'INV', '--persistence', 'cookie-insert', '--cookie-name', 'SRV\n    stats auth a:b'],
    says: ['--cookie-name: expected 1-64 letters, digits, "_", "." or "-", found "SRV\\n    stats auth a:b"'],
  },
  {
    name: 'a repository key over plain http',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'haproxy_source: custom\nhaproxy_repo_url: http://127.0.0.1/debian\nhaproxy_repo_suite: stable\nhaproxy_repo_key: http://127.0.0.1/key.gpg' }),
    says: ['inv.yaml: vars.haproxy_repo_key: haproxy_repo_key http://127.0.0.1/key.gpg: give an https:// URL or a local file'],
  },
  {
    name: 'a repository key fingerprint that is not 40 hex digits (flag)',
    args: ['up', '-i', 'INV', '--haproxy-repo-key-fingerprint', 'ABCD 1234'],
    says: ['--haproxy-repo-key-fingerprint: expected an OpenPGP fingerprint: 40 hex digits (spaces allowed), found "ABCD 1234"'],
  },
  {
    name: 'HTTPS on the HTTP port',
    args: ['up', '-i', 'INV', '--https', '--https-port', '80'],
    says: ['--https-port: https_port 80 is also the http_port; give them different ports'],
  },
  {
    name: 'a port flag out of range',
    args: ['up', '-i', 'INV', '--http-port', '99999'],
    says: ['--http-port: expected an integer 1-65535, found "99999"'],
  },
  {
    name: 'HTTPS certificate and key that do not match (inventory var)',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'https: true\nhttps_cert: ./mismatch.pem' }),
    // Relative to the inventory's folder (like ssh.key), not to the working directory.
    says: [/inv\.yaml: vars\.https_cert: https_cert \/\S+-inventory-var-\/mismatch\.pem: the certificate and the private key do not match/, "put the certificate's own key in the PEM"],
  },
  {
    name: 'HTTPS certificate and key that do not match (flag)',
    args: ['up', '-i', 'INV', '--https', '--https-cert', 'mismatch.pem'],
    says: ['--https-cert: https_cert mismatch.pem: the certificate and the private key do not match'],
  },
  {
    name: 'HTTPS certificate without its key',
    args: ['up', '-i', 'INV', '--https', '--https-cert', 'cert-only.pem'],
    says: ['--https-cert: https_cert cert-only.pem: the PEM must hold the certificate and its private key'],
  },
  // --- HTTPS from an ACME CA (issue 20)
  {
    name: 'ACME without domains',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops@example.org'],
    says: ['--https-issuer: https_issuer acme needs domains'],
  },
  {
    name: 'ACME domain that is not a DNS name',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'https: true\nhttps_issuer: acme\nacme_email: ops@example.org\ndomains: www.example.org, bad-.example.org' }),
    says: [/inv\.yaml: vars\.domains: domains "bad-\.example\.org": not a DNS name/],
  },
  {
    name: 'ACME domain as an IP address',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops@example.org', '--domains', '192.0.2.1'],
    says: ['--domains: domains "192.0.2.1": not a DNS name'],
  },
  {
    name: 'ACME wildcard with HTTP-01',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops@example.org', '--domains', '*.example.org'],
    says: ['--domains: domains *.example.org: a wildcard needs the DNS-01 challenge'],
  },
  {
    name: 'ACME with an invalid e-mail',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops at example.org', '--domains', 'www.example.org'],
    says: ['--acme-email: expected an e-mail address'],
  },
  {
    name: 'ACME without an e-mail',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--domains', 'www.example.org'],
    says: ['--https-issuer: https_issuer acme needs acme_email'],
  },
  {
    name: 'ACME directory over plain http',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops@example.org', '--domains', 'www.example.org', '--acme-directory', 'http://ca.example/dir'],
    says: ['--acme-directory: expected production, staging or an https:// directory URL'],
  },
  {
    name: 'ACME settings that are complete, while the recipe is not wired',
    args: ['up', '-i', 'INV', '--https', '--https-issuer', 'acme', '--acme-email', 'ops@example.org', '--domains', 'www.example.org'],
    says: ['--https-issuer: https_issuer acme: issuing through `haforge up` is not wired yet'],
  },
  // --- secrets, unattended
  {
    name: 'stats password missing under CI',
    args: ['up', '-i', 'INV'],
    env: { CI: 'true' },
    says: ['the stats page password is needed: set HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE'],
  },
  {
    name: 'stats password missing with stdin not a terminal (no CI)',
    args: ['verify', '-i', 'INV'],
    env: {},
    says: ['the stats page password is needed: set HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE'],
  },
  {
    name: 'stats password file missing',
    args: ['up', '-i', 'INV', '--stats-password-file', 'no-such-file'],
    env: { CI: 'true' },
    says: ['--stats-password-file no-such-file: no such file'],
  },
  {
    name: 'SSH password missing under CI',
    args: ['up', '-i', 'INV'],
    inv: inventory({ ssh: 'password_env: MY_SSH_PASSWORD' }),
    says: ['no SSH password for lb1: set MY_SSH_PASSWORD in the environment'],
  },
  {
    name: 'a secret given as a flag value is refused without echoing it',
    args: ['up', '-i', 'INV', '--stats-password=hunter2-flag-value'],
    says: ['unknown option --stats-password: secrets are never given as flag values', 'set HAFORGE_STATS_PASSWORD or pass --stats-password-file FILE'],
  },
  // --- recipes, --limit, flags
  {
    name: 'a recipe that does not exist: did you mean',
    args: ['run', 'haproxy-confg', '-i', 'INV'],
    says: ['unknown recipe "haproxy-confg"; did you mean "haproxy-config"?', 'haforge list'],
  },
  {
    name: '`run` with no recipe',
    args: ['run', '-i', 'INV'],
    says: ['`haforge run` needs at least one recipe name (see haforge list)'],
  },
  {
    name: '--limit matching nothing: did you mean',
    args: ['up', '-i', 'INV', '--limit', 'web3'],
    says: ['--limit: "web3" matches no host or group. Did you mean "web1"?', 'Hosts: lb1, web1, web2'],
  },
  {
    name: '--limit "" (given but empty) never means every host',
    args: ['up', '-i', 'INV', '--limit', ''],
    says: ['--limit is empty; give host or group names or globs, e.g. --limit web1,lb (leave it out to run on every host)'],
  },
  {
    name: '--serial abc',
    args: ['up', '-i', 'INV', '--serial', 'abc'],
    says: ['--serial: expected a number of hosts (1 or more) or a percentage ("1%" to "100%"), found "abc"'],
  },
  {
    name: '--serial -1',
    args: ['up', '-i', 'INV', '--serial=-1'],
    says: ['--serial: expected a number of hosts (1 or more) or a percentage ("1%" to "100%"), found "-1"'],
  },
  {
    name: '--max-fail-percentage 150',
    args: ['up', '-i', 'INV', '--max-fail-percentage', '150'],
    says: ['--max-fail-percentage: expected an integer 0-100 (a percentage), found "150"'],
  },
  {
    name: 'no inventory: up never starts a lab; it says how to run one',
    args: ['up'],
    says: ['no inventory: pass -i FILE (see inventory/example.yaml), or run `haforge demo` to try it on a local lab'],
  },
  {
    name: '--limit that excludes every host',
    args: ['up', '-i', 'INV', '--limit', 'web*,!web*'],
    says: ['--limit web*,!web* leaves no host to run on'],
  },
  {
    name: 'conflicting flags: --keep-alive with --no-keep-alive',
    args: ['up', '-i', 'INV', '--keep-alive', '--no-keep-alive'],
    says: ['--keep-alive and --no-keep-alive conflict: give one'],
  },
  {
    name: 'conflicting flags: --with-deps without run',
    args: ['up', '-i', 'INV', '--with-deps'],
    says: ['--with-deps only applies to `haforge run RECIPE...`'],
  },
  {
    name: 'a misspelt flag: did you mean',
    args: ['up', '-i', 'INV', '--persistance', 'source'],
    says: ['unknown option --persistance; did you mean --persistence?'],
  },
  {
    name: 'a misspelt var of a web node (a host var, no flag): did you mean',
    args: ['up', '-i', 'INV'],
    inv: inventory({ web: 'web1: { address: 127.0.0.1, port: {P}, vars: { web_prot: 8080 } }' }),
    says: ['inv.yaml: groups.web.hosts.web1.vars.web_prot: unknown var; did you mean `web_port`?'],
  },
  {
    name: 'a host var given as a flag',
    args: ['up', '-i', 'INV', '--web-port', '8080'],
    says: ['unknown option --web-port'],
  },
  {
    name: '--concurrency 0',
    args: ['up', '-i', 'INV', '--concurrency', '0'],
    says: ['--concurrency: expected an integer 1-256, found "0"'],
  },
  {
    name: '--keep-connections out of range',
    args: ['up', '-i', 'INV', '--keep-connections', '99999'],
    says: ['--keep-connections: expected an integer 0-3600, found "99999"'],
  },
  {
    name: 'HAFORGE_KEEP_CONNECTIONS not a number',
    args: ['up', '-i', 'INV'],
    env: { ...STATS, HAFORGE_KEEP_CONNECTIONS: '1m' },
    says: ['HAFORGE_KEEP_CONNECTIONS: expected an integer 0-3600, found "1m"'],
  },
  // --- the HA pair (issue 16): the VIP and VRRP settings
  {
    name: 'vip without a prefix length',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vip: expected an IPv4 address with its prefix length, e.g. 192.0.2.100/24, found "127.0.0.100"'],
  },
  {
    name: 'vip with a prefix length over 32',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/33', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vip: "127.0.0.100/33" is not an IPv4 address with a prefix length 1-32'],
  },
  {
    name: 'vip outside every LB\'s subnet',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 10.9.9.100/24', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vip: 10.9.9.100/24 is outside every load balancer\'s subnet (lb1 127.0.0.1, lb2 127.0.0.2)'],
  },
  {
    name: 'vip equal to a host\'s address',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.2/8', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vip: 127.0.0.2 is the address of host lb2'],
  },
  {
    name: 'a different vip on one LB (split brain)',
    args: ['up', '-i', 'INV'],
    inv: inventory({ lb: 'lb1: { address: 127.0.0.1, port: {P}, vars: { vip: 127.0.0.100/8 } }\n      lb2: { address: 127.0.0.2, port: {P}, vars: { vip: 127.0.0.101/8 } }' }),
    says: ['inv.yaml: groups.lb.hosts.lb2.vars.vip: load balancer lb2 has vip "127.0.0.101/8", lb1 has "127.0.0.100/8": every LB must carry the same VIP'],
  },
  {
    name: 'vrrp_router_id outside 1..255',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\nvrrp_router_id: 256', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vrrp_router_id: expected an integer 1-255, found 256'],
  },
  {
    name: 'vrrp_advert_int 0',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\nvrrp_advert_int: 0', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vrrp_advert_int: expected a number 0.01-255, found 0'],
  },
  {
    name: 'vrrp_advert_int negative',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\nvrrp_advert_int: -1', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vrrp_advert_int: expected a number 0.01-255, found -1'],
  },
  {
    name: 'vrrp_advert_int finer than 0.01 s',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\nvrrp_advert_int: 0.015', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vrrp_advert_int: 0.015 s: below-a-second and fractional intervals (VRRPv3) go in steps of 0.01 s up to 40.95'],
  },
  {
    name: 'two LBs with the same priority and preempt: true (refused: ambiguous)',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\npreempt: true', lb: 'lb1: { address: 127.0.0.1, port: {P}, vars: { vrrp_priority: 100 } }\n      lb2: { address: 127.0.0.2, port: {P}, vars: { vrrp_priority: 100 } }' }),
    says: ['inv.yaml: groups.lb.hosts.lb2.vars.vrrp_priority: lb2 and lb1 both have priority 100 with preempt: true'],
  },
  {
    name: 'vip_interface with a space',
    args: ['up', '-i', 'INV'],
    inv: inventory({ vars: 'vip: 127.0.0.100/8\nvip_interface: "eth0 x"', lb: LB_PAIR }),
    says: ['inv.yaml: vars.vip_interface: expected a network interface name'],
  },
  {
    name: 'an unknown command',
    args: ['upp', '-i', 'INV'],
    says: ['unknown command "upp"; commands: up, run'],
  },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'haforge-bad-input-'));
  writeFileSync(join(dir, 'known_hosts'), '');
  await execFileP('mkdir', ['-p', join(dir, 'home', '.ssh')]);
  await execFileP('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bad-input', '-f', join(dir, 'key')]);
  await execFileP('cp', [join(dir, 'key'), join(dir, 'open-key')]);
  chmodSync(join(dir, 'open-key'), 0o644);
  // A certificate with another key's private half, and a certificate alone.
  const ossl = (...a: string[]) => execFileP('openssl', a, { cwd: dir });
  await ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k1.pem', '-out', 'c1.pem', '-days', '2', '-subj', '/CN=bad-input');
  await ossl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'k2.pem');
  await execFileP('sh', ['-c', 'cat c1.pem k2.pem > mismatch.pem && cp c1.pem cert-only.pem'], { cwd: dir });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bad input: exit 2, one message naming the place and the fix, no connection', () => {
  test('the table has at least 25 cases', () => expect(cases.length).toBeGreaterThanOrEqual(25));

  test.concurrent.each(cases)('$name', async (c) => {
    const l = await countingListener();
    try {
      const inv = join(dir, `${c.name.replace(/[^a-z0-9]+/gi, '-')}`, 'inv.yaml');
      await execFileP('mkdir', ['-p', join(inv, '..')]);
      // Relative paths in the inventory (./key) resolve against its folder: link the shared files in.
      for (const f of ['key', 'open-key', 'known_hosts', 'mismatch.pem', 'cert-only.pem']) {
        await execFileP('ln', ['-sf', join(dir, f), join(inv, '..', f)]);
      }
      writeFileSync(inv, (c.inv ?? inventory()).replaceAll('{P}', String(l.port)));
      const args = c.args.map((a) => (a === 'INV' ? inv : a));
      // Files named on the command line resolve against the working directory (dir).
      const r = await cli(args, c.env ?? STATS);
      const lines = r.stderr.trim().split('\n');
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(lines, 'one message').toHaveLength(1);
      expect(lines[0]).toMatch(/^haforge: /);
      for (const s of c.says) {
        if (typeof s === 'string') expect(lines[0]).toContain(s);
        else expect(lines[0]).toMatch(s);
      }
      expect(lines[0]).not.toMatch(/at .*\.ts:\d+|Error:|internal error/); // no stack trace
      expect(r.stderr).not.toContain('hunter2-flag-value');
      expect(r.stderr).not.toContain(STATS.HAFORGE_STATS_PASSWORD);
      expect(l.accepted(), 'connections made').toBe(0);
    } finally {
      await l.close();
    }
  });

  test('up with no inventory starts no lab, even as root: nothing is made under the lab folders', async () => {
    const state = join(dir, 'no-lab-state');
    const r = await cli(['up'], { ...STATS, HAFORGE_LAB_STATE: state, HAFORGE_LAB_CACHE: join(dir, 'no-lab-cache') });
    expect(r.code).toBe(2);
    expect(existsSync(state) || existsSync(join(dir, 'no-lab-cache'))).toBe(false);
  });

  test('--json: the error is the one JSON document on stdout, exit 2, nothing on stderr, no connection', async () => {
    const l = await countingListener();
    try {
      const inv = join(dir, 'json-inv.yaml');
      writeFileSync(inv, inventory({ lb: 'lb1: { address: 127.0.0.1, port: 0 }' }).replaceAll('{P}', String(l.port)).replace('./key', join(dir, 'key')).replace('./known_hosts', join(dir, 'known_hosts')));
      const r = await cli(['up', '-i', inv, '--json'], STATS);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { exitCode: number; error: string; hosts: unknown[] };
      expect(report.exitCode).toBe(2);
      expect(report.hosts).toEqual([]);
      expect(report.error).toContain('groups.lb.hosts.lb1.port: expected an integer 1-65535, found 0');
      expect(l.accepted()).toBe(0);
    } finally {
      await l.close();
    }
  });
});

describe('--json with a command line that cannot be read', () => {
  test.concurrent.each([
    [['up', '-i', 'INV', '--json', '--verbose'], '--json and --verbose conflict'],
    [['run', 'haproxy-config', '--json', '--persistance', 'source', '-i', 'INV'], 'unknown option --persistance; did you mean --persistence?'],
    [['up', '-i', 'INV', '--json', '--concurrency', '0'], '--concurrency: expected an integer 1-256, found "0"'],
  ])('%j: one JSON document on stdout naming the problem, exit 2, nothing on stderr', async (args, says) => {
    const l = await countingListener();
    try {
      const inv = join(dir, `json-args-${String(args.length)}-${args[1]}.yaml`);
      writeFileSync(inv, inventory().replaceAll('{P}', String(l.port)).replace('./key', join(dir, 'key')).replace('./known_hosts', join(dir, 'known_hosts')));
      const r = await cli(args.map((a) => (a === 'INV' ? inv : a)), STATS);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { command: string; exitCode: number; error: string; hosts: unknown[] };
      expect(report).toMatchObject({ command: args[0], exitCode: 2, hosts: [] });
      expect(report.error).toContain(says);
      expect(l.accepted()).toBe(0);
    } finally {
      await l.close();
    }
  });
});

describe('a clear-text password in the inventory', () => {
  test('is accepted, with a warning that names a safer way, and never printed', async () => {
    const l = await countingListener();
    try {
      const inv = join(dir, 'password-inv.yaml');
      const password = 'Clear-Text-Pw-8842';
      writeFileSync(
        inv,
        inventory({ ssh: `password: ${password}` }).replaceAll('{P}', String(l.port)).replace('./known_hosts', join(dir, 'known_hosts')),
      );
      const r = await cli(['check', '-i', inv, '--connect-timeout', '2'], STATS);
      // Accepted: the run goes on to connect (the listener hangs up, so each host fails: exit 1, not 2).
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('warning:');
      expect(r.stderr).toContain('ssh.password: clear-text password in the inventory; safer: password_env: HAFORGE_SSH_PASSWORD');
      expect(r.stdout + r.stderr).not.toContain(password);
      expect(l.accepted()).toBeGreaterThan(0);
    } finally {
      await l.close();
    }
  });
});
