// Tutorial step 5: write /etc/haproxy/haproxy.cfg — generated for the HAProxy actually installed, validated with
// `haproxy -c` on a temp copy, the old file kept, reloaded only when it changed, rolled back if the reload fails.
import { readFile } from 'node:fs/promises';
import type { Activation, HostContext, Recipe, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { file, reloadService, type FileChange } from '../runner/engine/primitives/index.js';
import { serviceCommand } from '../runner/engine/actions/commands.js';
import { quote } from '../runner/transport/quote.js';
import { renderHaproxyConfig, DEFAULT_CERT_PATH, type Balance, type Persistence, type TlsProfile } from './templates/haproxy-cfg.js';
import { validateArgs, type HaproxyVersion } from './templates/haproxy-version.js';
import { isCryptHash, sha512Crypt, verifyCrypt } from './lib/crypt.js';
import { makeSelfSignedPem } from './lib/self-signed.js';
import {
  liveServersScript,
  parseRunningServers,
  runningServersCommand,
  saveStateCommand,
  seedStateCommand,
  serversOf,
  type RuntimeServer,
} from './lib/haproxy-runtime.js';
import { DYNAMIC_SERVER_DEFAULTS } from './templates/haproxy-cfg/global.js';
import { haproxyInstalled, haproxyVersion } from './haproxy-facts.js';
import { HAPROXY_SERVICE } from './haproxy-service.js';
import { opt } from './options.js';
import { vipOf } from './ha-options.js';
import { ownLink } from './keepalived-facts.js';

export const CONFIG_PATH = '/etc/haproxy/haproxy.cfg';

/** The web nodes of the inventory, as HAProxy servers: every LB gets the same list, whatever --limit says. */
function webServers(h: HostContext) {
  return h.cluster
    .hosts('web')
    .map((x) => ({ name: x.name, address: x.address, port: typeof x.vars['web_port'] === 'number' ? x.vars['web_port'] : 80 }));
}

/** What render() reads on the LB (the stats users already there, the listening ports): read ahead with the file. */
const STATS_USERS = `grep -E '^[[:space:]]*user[[:space:]]+' ${CONFIG_PATH} 2>/dev/null || true`;
const LISTENING = 'command -v ss >/dev/null 2>&1 && ss -Hltnp 2>/dev/null';

/** Keep the hash already on the LB while it still matches the password: a new salt each run is not a change. */
async function statsHash(h: HostContext, user: string, password: string): Promise<string> {
  const current = await h.run(STATS_USERS);
  for (const line of current.stdout.split('\n')) {
    const m = /^\s*user\s+(\S+)\s+password\s+(\S+)/.exec(line);
    if (m && m[1] === user && isCryptHash(m[2]!) && (await verifyCrypt(password, m[2]!))) return m[2]!;
  }
  const hash = await sha512Crypt(password);
  if (!isCryptHash(hash)) throw new StepError('could not make a crypt hash for the stats password');
  return hash;
}

/** The stats password's hash as `password ***` (Lower (b), issue 21): diffs and --verbose never show it. */
export function maskStatsHash(cfg: string): string {
  return cfg.replace(/^(\s*user\s+\S+\s+(?:password|insecure-password)\s+)\S+/gm, '$1***');
}

/** An IPv6 address in one canonical spelling (URL's), so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function canonicalV6(a: string): string {
  try {
    return new URL(`http://[${a}]/`).hostname;
  } catch {
    return a;
  }
}

/**
 * A specific bind address must be one of the LB's own, unless the host allows non-local binds (a keepalived
 * VIP). Otherwise `haproxy -c` passes but the reload fails at bind time, and while it retries HAProxy pauses the
 * running process's listeners (about 2 s of refused connections) before it gives up and we roll back.
 * Read from /proc (minimal hosts have no iproute2); skipped when /proc tells nothing.
 */
async function checkBindAddress(h: HostContext, address: string): Promise<void> {
  if (address === '*' || address === '' || address === '0.0.0.0' || address === '::' || address.startsWith('127.')) return;
  const v6 = address.includes(':');
  const list = v6 ? 'cat /proc/net/if_inet6' : "awk '/\\|--/{ip=$2} /\\/32 host LOCAL/{print ip}' /proc/net/fib_trie";
  const r = await h.run(`cat /proc/sys/net/ipv${v6 ? 6 : 4}/ip_nonlocal_bind 2>/dev/null; echo --; ${list} 2>/dev/null`);
  const [nonlocal, rest = ''] = r.stdout.split('--\n');
  if (nonlocal?.trim() === '1') return;
  const own = rest
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
    .map((a) => (v6 ? canonicalV6(a.match(/.{4}/g)?.join(':') ?? a) : a));
  if (own.length === 0) return;
  if (own.includes(v6 ? canonicalV6(address) : address)) return;
  const shown = [...new Set(own)].filter((a) => !a.startsWith('127.') && a !== '::1');
  throw new StepError(
    `bind_address ${address} is not an address of ${h.name} (it has ${shown.join(', ') || 'no other address'}): HAProxy could not bind it; ` +
      'use one of its addresses or "*" (for a floating address, set net.ipv4.ip_nonlocal_bind=1 on the host)',
  );
}

/**
 * The ports the new config binds must be free or HAProxy's own. A port another program listens on passes
 * `haproxy -c` but fails the reload, and while the new process retries the bind it pauses the running
 * listeners (about 2 s of refused connections, seen on the lab) before the rollback. Skipped without `ss`.
 */
async function checkPortsFree(h: HostContext, ports: number[]): Promise<void> {
  const r = await h.run(LISTENING);
  if (r.code !== 0) return;
  for (const line of r.stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3] ?? '';
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    if (!ports.includes(port)) continue;
    const users = [...line.matchAll(/\("([^"]*)",pid=(\d+)/g)].map((m) => ({ name: m[1]!, pid: m[2]! }));
    const other = users.find((u) => !u.name.startsWith('haproxy'));
    if (!other) continue;
    throw new StepError(
      `port ${port} on ${h.name} is in use by ${other.name} (pid ${other.pid}): HAProxy could not bind it; ` +
        'stop that program or choose another port (http_port / https_port)',
    );
  }
}

async function render(h: HostContext, version: HaproxyVersion): Promise<string> {
  const password = h.secrets['stats_password'];
  if (!password) throw new StepError('the stats page password is missing: set HAFORGE_STATS_PASSWORD or pass --stats-password-file');
  const user = opt<string>(h, 'stats_user');
  const persistence = opt<Persistence>(h, 'persistence');
  // An HA pair: the site on the VIP (held by one LB at a time), and on the LB's own address so that its stats
  // page (and the site) can be reached on each LB.
  const vip = vipOf(h);
  const own = vip ? (await ownLink(h, vip)).address : undefined;
  const bindAddress = typeof h.vars['bind_address'] === 'string' ? h.vars['bind_address'] : (vip?.address ?? '*');
  await checkBindAddress(h, bindAddress);
  await checkPortsFree(h, [opt<number>(h, 'http_port'), ...(opt<boolean>(h, 'https') ? [opt<number>(h, 'https_port')] : [])]);
  return renderHaproxyConfig({
    haproxyVersion: version,
    bind: { address: bindAddress, port: opt<number>(h, 'http_port'), also: own && own !== bindAddress && bindAddress !== '*' ? [own] : [] },
    webServers: webServers(h),
    balance: persistence === 'source' ? 'source' : opt<Balance>(h, 'balance'),
    persistence,
    cookieName: h.vars['cookie_name'] as string | undefined,
    keepAlive: { enabled: opt<boolean>(h, 'keep_alive'), timeoutMs: opt<number>(h, 'keep_alive_timeout') },
    https: {
      enabled: opt<boolean>(h, 'https'), port: opt<number>(h, 'https_port'), certPath: DEFAULT_CERT_PATH,
      profile: opt<TlsProfile>(h, 'tls_profile'), hstsSeconds: opt<number>(h, 'hsts'),
    },
    stats: { enabled: true, user, passwordHash: await statsHash(h, user, password) },
  });
}

/**
 * HAProxy reads certificates only when it (re)loads: a new certificate at the path the running config already
 * serves must be followed by a reload, or the old one stays in use (the config is unchanged, so its own step
 * would not reload). When the config does not serve it yet, the config step's reload that follows loads it.
 * A failed reload puts the previous certificate back (file()'s rollback).
 */
async function reloadIfServed(h: HostContext): Promise<Activation | undefined> {
  const served = await h.run(`grep -qF ${quote(` crt ${DEFAULT_CERT_PATH}`)} ${CONFIG_PATH}`);
  return served.code === 0 ? reloadService(h, HAPROXY_SERVICE) : undefined;
}

/** The certificate + key HAProxy serves: the user's PEM, or a self-signed one made once and then kept. */
function certificate(h: HostContext): Step {
  const given = h.vars['https_cert'] as string | undefined;
  if (given) {
    return file({
      path: DEFAULT_CERT_PATH, mode: 0o600, owner: 'root', group: 'root', sensitive: true, name: `TLS certificate ${DEFAULT_CERT_PATH}`,
      content: async () => readFile(given, 'utf8').catch(() => { throw new StepError(`cannot read https_cert ${given}`); }),
      activate: reloadIfServed,
    });
  }
  const present = `test -s ${quote(DEFAULT_CERT_PATH)}`;
  const selfSigned = file({
    path: DEFAULT_CERT_PATH, mode: 0o600, owner: 'root', group: 'root', sensitive: true, activate: reloadIfServed,
    content: () => makeSelfSignedPem(h.spec.address.replace(/[^A-Za-z0-9.:-]/g, '') || 'localhost', [h.spec.address, h.name]),
  });
  return {
    name: `TLS certificate ${DEFAULT_CERT_PATH} (self-signed unless given)`,
    reads: () => [present],
    async check(host) {
      // An existing certificate is kept: making a new one every run would never converge.
      if ((await host.run(present)).code === 0) return { state: 'ok', note: 'certificate present' };
      // Made here, in haforge's process (a dry run makes one too, and writes nothing): the plan holds its hash.
      const c = await selfSigned.check(host);
      if (c.state !== 'change') return c;
      return { ...c, note: 'make a self-signed certificate', diff: `(new self-signed certificate for ${host.spec.address})` };
    },
  };
}

/** The reload, with the server states saved just before it (server-state-file): drain, maint and health
 * states survive. A stopped haproxy is started instead. */
async function reloadKeepingState(h: HostContext): Promise<Activation> {
  const a = await reloadService(h, HAPROXY_SERVICE);
  return a.op === 'reload' ? { kind: 'run', command: `${saveStateCommand()}; ${serviceCommand(a.init, a.op, a.name)}` } : a;
}

/** How long a removed node may keep its sessions, and a new one may take to pass its first health check. */
const DRAIN_TIMEOUT_S = 30;
const HEALTH_TIMEOUT_S = 60;

/**
 * How a new config is applied. When it differs from the running one only by servers added or removed (web nodes
 * joining or leaving the inventory), through the runtime API with no reload: a reload closes kept-alive client
 * connections (measured: a few resets), the runtime API none. A new node takes traffic only once its health check
 * passes; a removed one is drained first. Anything else, or a runtime API that does not answer: a reload.
 */
async function haproxyActivation(h: HostContext, change: FileChange): Promise<Activation> {
  const reload = await reloadKeepingState(h);
  if (reload.kind !== 'run' || change.before === undefined) return reload;
  const [before, after] = [serversOf(change.before), serversOf(change.after)];
  // One section with servers (the web listen): the only one whose members the inventory changes.
  const [backend, ...others] = [...after.servers.keys()];
  if (before.rest !== after.rest || others.length || !backend || [...before.servers.keys()].join() !== backend) return reload;
  const add: RuntimeServer[] = [];
  const remove: string[] = [];
  {
    const wanted = after.servers.get(backend)!;
    const r = await h.run(runningServersCommand(backend));
    if (r.code !== 0) return reload;
    const running = parseRunningServers(r.stdout);
    const now = new Map(running.map((s) => [s.name, s]));
    for (const s of wanted) {
      const cur = now.get(s.name);
      // A server whose address or keywords change is not a membership change: reload.
      const old = before.servers.get(backend)?.find((b) => b.name === s.name);
      if ((cur && (cur.address !== s.address || cur.port !== s.port)) || (old && old.params !== s.params)) return reload;
      if (!cur) add.push({ ...s, params: `${s.params} ${DYNAMIC_SERVER_DEFAULTS}` });
    }
    remove.push(...running.filter((s) => !wanted.some((w) => w.name === s.name)).map((s) => s.name));
    if (add.length + remove.length === 0) return reload;
    const what = [...add.map((s) => `add server ${s.name}`), ...remove.map((n) => `drain and delete server ${n}`)].join(', ');
    const command = liveServersScript({ backend, add, remove, drainTimeoutS: DRAIN_TIMEOUT_S, healthTimeoutS: HEALTH_TIMEOUT_S });
    return { kind: 'live', what: `${what} (runtime API)`, command, fallback: reload };
  }
}

export const haproxyConfig: Recipe = {
  name: 'haproxy-config',
  summary: 'haproxy.cfg for the installed version: persistence, keep-alive, HTTPS, hashed stats login; validated, reload on change, rollback',
  roles: ['lb'],
  after: ['haproxy-enable'],
  requires: [{ recipe: 'haproxy-install', fact: haproxyInstalled, what: 'the haproxy package' }],
  async steps(h) {
    const version = await h.fact(haproxyVersion);
    if (!version) throw new StepError('haproxy is not installed: run recipe "haproxy-install" first, or add --with-deps');
    const steps: Step[] = [];
    if (opt<boolean>(h, 'https')) steps.push(certificate(h));
    steps.push(
      file({
        path: CONFIG_PATH,
        name: `config ${CONFIG_PATH} (HAProxy ${version.major}.${version.minor})`,
        content: (host) => render(host, version),
        reads: () => [LISTENING, STATS_USERS],
        mode: 0o640,
        owner: 'root',
        group: 'haproxy',
        mask: maskStatsHash,
        // haproxy -c warns about a missing or empty state file: a first one holds only its version line.
        validate: `${seedStateCommand()} && haproxy ${validateArgs(version, '{}').join(' ')}`,
        activate: haproxyActivation,
      }),
    );
    return steps;
  },
};
