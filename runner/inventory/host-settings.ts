// One host's settings: connection settings merged host over groups over global, the login method, and the
// files it names (key, known_hosts) checked on disk as OpenSSH would.
import { statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { formatPath } from './errors.js';
import { report, warn, type Context } from './load-context.js';
import type { JumpSetting } from './jumps.js';
import type { Layout } from './layout.js';
import type { InventoryInput, SshInput } from './schema.js';
import { configPath, hostSshOptions, type HostSshConfig } from './ssh-config-hosts.js';
import type { AuthSpec, HostSpec, Vars } from './types.js';

export const DEFAULT_USER = 'root';
export const DEFAULT_PORT = 22;
export const DEFAULT_PASSWORD_ENV = 'HAFORGE_SSH_PASSWORD';
export const DEFAULT_SUDO_PASSWORD_ENV = 'HAFORGE_SUDO_PASSWORD';
/** Tried in this order (relative to home) when no login method is given and no agent runs. */
const DEFAULT_KEYS = ['.ssh/id_ed25519', '.ssh/id_rsa'];

/** One level of connection settings and where it sits in the file (for messages). */
interface Layer {
  at: string[];
  ssh: Omit<SshInput, 'known_hosts' | 'config'>;
}

/** Connection settings merge host over groups (later group in file order wins) over global, then ssh_config
 * (`cfg`, this host's lookup) fills what none of them sets, then haforge's defaults. */
export function resolveHost(name: string, layout: Layout, data: InventoryInput, ctx: Context, jumps: Map<string, JumpSetting>, cfg?: HostSshConfig): HostSpec {
  const def = layout.defs.get(name)!;
  const groups = layout.groupsOf.get(name) ?? [];
  const layers: Layer[] = [
    { at: ['ssh'], ssh: data.ssh ?? {} },
    ...groups.map((g) => ({ at: ['groups', g, 'ssh'], ssh: data.groups?.[g]?.ssh ?? {} })),
    { at: def.at, ssh: def.input },
  ];
  const pick = <K extends keyof Layer['ssh']>(key: K) => {
    const layer = [...layers].reverse().find((l) => l.ssh[key] !== undefined);
    return layer && { value: layer.ssh[key]!, path: formatPath([...layer.at, key]) };
  };

  const origins: Record<string, string> = { address: formatPath([...def.at, 'address']) };
  /** The inventory's value, else ssh_config's, else the default; where it came from goes to `origins`. */
  const choose = <T>(field: string, inv: { value: T; path: string } | undefined, key: keyof HostSshConfig['settings'], fromCfg: T | undefined, dflt: T): T => {
    const cfgAt = cfg?.origins.get(key);
    const [value, at] = inv ? [inv.value, inv.path] : fromCfg !== undefined && cfgAt ? [fromCfg, cfgAt] : [dflt, 'default'];
    origins[field] = at;
    return value;
  };
  const cfgJump = cfg?.settings.proxyJump;
  const jump = pick('jump') ?? (cfgJump ? { value: cfgJump, path: cfg!.origins.get('proxyJump') ?? 'ssh.config' } : undefined);
  if (jump) {
    jumps.set(name, jump);
    origins.jump = jump.path;
  }
  const user = choose('user', pick('user'), 'user', cfg?.settings.user, DEFAULT_USER);
  const port = choose('port', pick('port'), 'port', cfg?.settings.port, DEFAULT_PORT);
  const sudoSetting = pick('sudo');
  // root never needs sudo (and a fresh Debian may not have it); anyone else needs it for root work.
  const sudo = user !== 'root' && (sudoSetting?.value ?? true);
  if (user !== 'root' && !sudo) {
    report(ctx, sudoSetting!.path, `user "${user}" is not root and sudo is off; haforge needs root: set sudo: true or user: root`);
  }

  const vars: Vars = { ...data.vars };
  for (const g of groups) Object.assign(vars, data.groups?.[g]?.vars);
  Object.assign(vars, def.input.vars);

  const keys = cfg?.settings.identityFiles.map((f) => configPath(f, cfg, { user, port, name }, ctx)).filter((f) => f !== undefined);
  const auth = resolveAuth(layers, ctx, keys?.length ? { files: keys, at: cfg!.origins.get('identityFiles')! } : undefined, origins);
  const ssh = hostSshOptions(cfg, { user, port, name }, data.ssh?.known_hosts !== undefined, ctx);
  if (ssh) for (const [k, at] of cfg!.origins) if (!(k in origins) && k !== 'hostname') origins[k] = at;

  return {
    name,
    address: def.input.address!,
    port,
    user,
    auth,
    sudo,
    sudoPasswordEnv: sudo ? (pick('sudo_password_env')?.value ?? DEFAULT_SUDO_PASSWORD_ENV) : undefined,
    groups,
    vars,
    ...(ssh ? { ssh } : {}),
    ...(cfg ? { origins } : {}),
  };
}

/**
 * The most specific level that names a login method wins as a whole (a host's password_env replaces a
 * global key). Nothing anywhere: the SSH agent if one runs, else ~/.ssh/id_ed25519, else ~/.ssh/id_rsa.
 */
function resolveAuth(layers: Layer[], ctx: Context, cfgKeys: { files: string[]; at: string } | undefined, origins: Record<string, string>): AuthSpec {
  const spec = resolveAuthOf(layers, ctx, cfgKeys);
  origins.login = spec.at;
  return spec.auth;
}

/** The login method and where it was chosen. ssh_config's IdentityFile (the first that exists: haforge logs in
 * with one key) comes after the inventory's method and before the defaults. */
function resolveAuthOf(layers: Layer[], ctx: Context, cfgKeys: { files: string[]; at: string } | undefined): { auth: AuthSpec; at: string } {
  for (const { at, ssh } of [...layers].reverse()) {
    const given = (['key', 'agent', 'password_env', 'password'] as const).filter((k) => ssh[k] !== undefined && ssh[k] !== false);
    if (given.length === 0) continue;
    if (given.length > 1) {
      report(ctx, formatPath(at), `choose one login method: key, agent, password_env or password (found ${given.join(' and ')})`);
    }
    const path = formatPath([...at, given[0]]);
    if (ssh.key !== undefined) {
      const keyFile = expandPath(ssh.key, ctx);
      checkKey(keyFile, path, ctx);
      return { auth: { kind: 'key', keyFile }, at: path };
    }
    if (ssh.agent) {
      if (!ctx.env.SSH_AUTH_SOCK) {
        warn(ctx, path, 'SSH_AUTH_SOCK is not set, so no SSH agent is reachable; start one: eval "$(ssh-agent)" && ssh-add');
      }
      return { auth: { kind: 'agent' }, at: path };
    }
    if (ssh.password_env !== undefined) return { auth: { kind: 'password', passwordEnv: ssh.password_env }, at: path };
    warn(
      ctx,
      path,
      `clear-text password in the inventory; safer: password_env: ${DEFAULT_PASSWORD_ENV} (export the password in that variable) or an SSH key (key: ~/.ssh/id_ed25519)`,
    );
    return { auth: { kind: 'password', passwordEnv: DEFAULT_PASSWORD_ENV, password: ssh.password }, at: path };
  }

  // ssh skips an IdentityFile that does not exist; so does haforge, down to its defaults.
  const cfgKey = cfgKeys?.files.find(exists);
  if (cfgKey) {
    checkKey(cfgKey, `ssh.config: ${cfgKeys!.at}`, ctx);
    return { auth: { kind: 'key', keyFile: cfgKey }, at: cfgKeys!.at };
  }
  if (ctx.env.SSH_AUTH_SOCK) return { auth: { kind: 'agent' }, at: 'default' };
  const found = DEFAULT_KEYS.map((k) => join(ctx.home, k)).find(exists);
  if (found) {
    checkKey(found, 'ssh', ctx);
    return { auth: { kind: 'key', keyFile: found }, at: 'default' };
  }
  if (ctx.checkFiles) {
    report(
      ctx,
      'ssh',
      'no login method given and no default applies (SSH_AUTH_SOCK is unset; no ~/.ssh/id_ed25519 or ~/.ssh/id_rsa); set ssh.key, ssh.agent: true or ssh.password_env',
    );
  }
  return { auth: { kind: 'key', keyFile: join(ctx.home, DEFAULT_KEYS[0]) }, at: 'default' };
}

/** `~` is the home directory; other relative paths are relative to the inventory file. */
function expandPath(path: string, ctx: Context): string {
  if (path === '~') return ctx.home;
  if (path.startsWith('~/')) return join(ctx.home, path.slice(2));
  return isAbsolute(path) ? path : resolve(ctx.baseDir, path);
}

/** statSync that never throws: a name too long, a path through a file (ENOTDIR) or a folder not readable counts
 * as absent, so it is reported as the field's problem (the fuzz test found ENAMETOOLONG escaping). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  return statOf(path) !== undefined;
}

/** What OpenSSH would refuse, said before connecting. */
function checkKey(file: string, path: string, ctx: Context): void {
  if (!ctx.checkFiles) return;
  const st = statOf(file);
  if (!st) return report(ctx, path, `key file not found: ${file}`);
  if (!st.isFile()) return report(ctx, path, `${file} is not a file; expected a private key file`);
  if (file.endsWith('.pub')) return report(ctx, path, `${file} is a public key; give the private key (${file.slice(0, -4)})`);
  if (st.mode & 0o077) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    report(ctx, path, `key file ${file} has permissions ${mode}, too open (OpenSSH refuses such keys); run: chmod 600 ${file}`);
  }
}

/** known_hosts may not exist yet (new host keys get recorded), but its folder must. */
export function resolveKnownHosts(given: string | undefined, ctx: Context): string {
  if (given === undefined) return join(ctx.home, '.ssh', 'known_hosts');
  const file = expandPath(given, ctx);
  if (!ctx.checkFiles) return file;
  const st = statOf(file);
  if (st && !st.isFile()) report(ctx, 'ssh.known_hosts', `${file} is not a file`);
  else if (!st && !statOf(dirname(file))?.isDirectory()) {
    report(ctx, 'ssh.known_hosts', `folder ${dirname(file)} does not exist; create it or fix the path`);
  }
  return file;
}
