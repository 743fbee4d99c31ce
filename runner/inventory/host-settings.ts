// One host's settings: connection settings merged host over groups over global, the login method, and the
// files it names (key, known_hosts) checked on disk as OpenSSH would.
import { statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { formatPath } from './errors.js';
import { report, warn, type Context } from './load-context.js';
import type { JumpSetting } from './jumps.js';
import type { Layout } from './layout.js';
import type { InventoryInput, SshInput } from './schema.js';
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
  ssh: Omit<SshInput, 'known_hosts'>;
}

/** Connection settings merge host over groups (later group in file order wins) over global. */
export function resolveHost(name: string, layout: Layout, data: InventoryInput, ctx: Context, jumps: Map<string, JumpSetting>): HostSpec {
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

  const jump = pick('jump');
  if (jump) jumps.set(name, jump);
  const user = pick('user')?.value ?? DEFAULT_USER;
  const sudoSetting = pick('sudo');
  // root never needs sudo (and a fresh Debian may not have it); anyone else needs it for root work.
  const sudo = user !== 'root' && (sudoSetting?.value ?? true);
  if (user !== 'root' && !sudo) {
    report(ctx, sudoSetting!.path, `user "${user}" is not root and sudo is off; haforge needs root: set sudo: true or user: root`);
  }

  const vars: Vars = { ...data.vars };
  for (const g of groups) Object.assign(vars, data.groups?.[g]?.vars);
  Object.assign(vars, def.input.vars);

  return {
    name,
    address: def.input.address!,
    port: pick('port')?.value ?? DEFAULT_PORT,
    user,
    auth: resolveAuth(layers, ctx),
    sudo,
    sudoPasswordEnv: sudo ? (pick('sudo_password_env')?.value ?? DEFAULT_SUDO_PASSWORD_ENV) : undefined,
    groups,
    vars,
  };
}

/**
 * The most specific level that names a login method wins as a whole (a host's password_env replaces a
 * global key). Nothing anywhere: the SSH agent if one runs, else ~/.ssh/id_ed25519, else ~/.ssh/id_rsa.
 */
function resolveAuth(layers: Layer[], ctx: Context): AuthSpec {
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
      return { kind: 'key', keyFile };
    }
    if (ssh.agent) {
      if (!ctx.env.SSH_AUTH_SOCK) {
        warn(ctx, path, 'SSH_AUTH_SOCK is not set, so no SSH agent is reachable; start one: eval "$(ssh-agent)" && ssh-add');
      }
      return { kind: 'agent' };
    }
    if (ssh.password_env !== undefined) return { kind: 'password', passwordEnv: ssh.password_env };
    warn(
      ctx,
      path,
      `clear-text password in the inventory; safer: password_env: ${DEFAULT_PASSWORD_ENV} (export the password in that variable) or an SSH key (key: ~/.ssh/id_ed25519)`,
    );
    return { kind: 'password', passwordEnv: DEFAULT_PASSWORD_ENV, password: ssh.password };
  }

  if (ctx.env.SSH_AUTH_SOCK) return { kind: 'agent' };
  const found = DEFAULT_KEYS.map((k) => join(ctx.home, k)).find(exists);
  if (found) {
    checkKey(found, 'ssh', ctx);
    return { kind: 'key', keyFile: found };
  }
  if (ctx.checkFiles) {
    report(
      ctx,
      'ssh',
      'no login method given and no default applies (SSH_AUTH_SOCK is unset; no ~/.ssh/id_ed25519 or ~/.ssh/id_rsa); set ssh.key, ssh.agent: true or ssh.password_env',
    );
  }
  return { kind: 'key', keyFile: join(ctx.home, DEFAULT_KEYS[0]) };
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
