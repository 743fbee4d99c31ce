// Where ssh_config comes from on this machine: `-F` / ssh.config alone when given, else ~/.ssh/config then
// /etc/ssh/ssh_config (ssh's order); the real file system behind ConfigIo.
import { readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConfigFile, ConfigIo } from './resolve.js';

/** ssh takes `~` from the password database, not $HOME. */
export const sshHome = (): string => userInfo().homedir;

export function configFiles(explicit?: string, home = sshHome()): ConfigFile[] {
  if (explicit) return [{ path: explicit, user: true, required: true }];
  return [
    { path: join(home, '.ssh', 'config'), user: true },
    { path: '/etc/ssh/ssh_config', user: false },
  ];
}

export function fsConfigIo(home = sshHome()): ConfigIo {
  return {
    home,
    read: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    list: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}
