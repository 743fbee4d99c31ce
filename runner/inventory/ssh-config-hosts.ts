// ssh_config for inventory hosts: which files are read (`-F` over `ssh.config` over ssh's own ~/.ssh/config and
// /etc/ssh/ssh_config; `none`: no file), and what they say for one host, looked up by its inventory name as
// `ssh NAME` would. The inventory wins over ssh_config, ssh_config over haforge's defaults (host-settings.ts).
// A construct the resolver refuses is a problem of the inventory's load: exit 2 with the file and line, before
// any connection.
import { isAbsolute, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { configFiles, fsConfigIo } from '../transport/ssh-config/files.js';
import { SshConfigError } from '../transport/ssh-config/lines.js';
import { resolveSshConfig, type ConfigFile, type ConfigIo, type SshConfigSettings } from '../transport/ssh-config/resolve.js';
import { expandPath } from '../transport/ssh-config/tokens.js';
import { report, type Context } from './load-context.js';
import type { HostSshOptions } from './types.js';

export interface SshConfigSource {
  files: ConfigFile[];
  io: ConfigIo;
}

/** What ssh_config says for one host, with the `file:line` each setting came from. */
export interface HostSshConfig {
  settings: SshConfigSettings;
  origins: Map<keyof SshConfigSettings, string>;
}

/** The files to read; undefined: none (`-F none` / `ssh.config: none`). `flag` is `-F`, `setting` ssh.config. */
export function sshConfigSource(flag: string | undefined, setting: string | undefined, ctx: Context, io?: ConfigIo): SshConfigSource | undefined {
  const given = flag ?? (setting === undefined ? undefined : pathOf(setting, ctx));
  if (given?.toLowerCase() === 'none') return undefined;
  const fsIo = io ?? fsConfigIo(ctx.home);
  return { files: configFiles(given, fsIo.home), io: fsIo };
}

function pathOf(setting: string, ctx: Context): string {
  if (setting.toLowerCase() === 'none') return 'none';
  if (setting === '~' || setting.startsWith('~/')) return join(ctx.home, setting.slice(1));
  return isAbsolute(setting) ? setting : resolve(ctx.baseDir, setting);
}

/** One host's lookup; a refused construct is reported (path `ssh.config`, message with file:line). */
export function lookupHost(src: SshConfigSource | undefined, name: string, ctx: Context): HostSshConfig | undefined {
  if (!src) return undefined;
  const origins = new Map<keyof SshConfigSettings, string>();
  try {
    return { settings: resolveSshConfig(src.files, name, src.io, origins), origins };
  } catch (e) {
    if (!(e instanceof SshConfigError)) throw e;
    report(ctx, 'ssh.config', e.message);
    return undefined;
  }
}

/** A path ssh_config names (IdentityFile, UserKnownHostsFile), with `~` and its tokens, as ssh expands it. */
export function configPath(path: string, cfg: HostSshConfig, at: { user: string; port: number; name: string }, ctx: Context): string | undefined {
  const v = expandPath(path, { d: ctx.home, h: cfg.settings.hostname, r: at.user, u: userInfo().username, p: String(at.port), n: at.name });
  if ('bad' in v) {
    report(ctx, 'ssh.config', `${cfg.origins.get('identityFiles') ?? 'ssh_config'}: ${path} uses ${v.bad}, which ssh does not expand there`);
    return undefined;
  }
  return v.value;
}

/**
 * The settings the connection follows besides address, port, user, key and jump. `inventoryKnownHosts`: the
 * inventory names its known_hosts file, which wins over UserKnownHostsFile.
 */
export function hostSshOptions(cfg: HostSshConfig | undefined, at: { user: string; port: number; name: string }, inventoryKnownHosts: boolean, ctx: Context): HostSshOptions | undefined {
  if (!cfg) return undefined;
  const s = cfg.settings;
  const out: HostSshOptions = {};
  if (s.userKnownHostsFiles && !inventoryKnownHosts) {
    const files = s.userKnownHostsFiles.filter((f) => f.toLowerCase() !== 'none').map((f) => configPath(f, cfg, at, ctx));
    if (files.length && files.every((f) => f !== undefined)) out.knownHostsFiles = files as string[];
  }
  if (s.hashKnownHosts !== undefined) out.hashKnownHosts = s.hashKnownHosts;
  if (s.strictHostKeyChecking === 'accept-new' || s.strictHostKeyChecking === 'no') out.acceptNewHostKeys = true;
  if (s.connectTimeout !== undefined && s.connectTimeout > 0) out.connectTimeoutS = s.connectTimeout;
  if (s.serverAliveInterval !== undefined) out.serverAliveIntervalS = s.serverAliveInterval;
  return Object.keys(out).length ? out : undefined;
}

/** A jump hop that is no inventory host but a `Host` with a HostName in ssh_config: where it points. A hop with
 * its own ProxyJump there is refused (give it in the inventory, with its ssh.jump). */
export function hopOf(src: SshConfigSource | undefined, name: string, ctx: Context): { address: string; port?: number; user?: string } | { error: string } | undefined {
  const cfg = lookupHost(src, name, ctx);
  if (!cfg?.origins.has('hostname')) return undefined;
  const s = cfg.settings;
  if (s.proxyJump) return { error: `jump host "${name}" has its own ProxyJump in ssh_config (${cfg.origins.get('proxyJump')}): make it an inventory host with ssh.jump` };
  return { address: s.hostname, ...(s.port ? { port: s.port } : {}), ...(s.user ? { user: s.user } : {}) };
}
