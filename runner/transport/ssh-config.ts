// The one ssh_config keyword haforge follows: HashKnownHosts, so the known_hosts lines it writes look like the
// ones ssh writes for this user (Debian's /etc/ssh/ssh_config says yes under `Host *`). Nothing else of
// ssh_config is read: the inventory says how to reach each host.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_SSH_CONFIGS = (): string[] => [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];

/**
 * HashKnownHosts as set for every host: at the top of the file or under `Host *`. A value under another Host or
 * any Match block is for some hosts only and is skipped. The first value found wins, as in ssh.
 */
export function parseHashKnownHosts(text: string): boolean | undefined {
  let everyHost = true;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (key === 'host') everyHost = value.split(/\s+/).includes('*');
    else if (key === 'match') everyHost = false;
    else if (key === 'hashknownhosts' && everyHost) return value.toLowerCase() === 'yes';
  }
  return undefined;
}

/** Whether new known_hosts lines are hashed: the first of `files` that sets it decides; default no. */
export async function hashKnownHostsSetting(files: readonly string[] = DEFAULT_SSH_CONFIGS()): Promise<boolean> {
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => undefined);
    const v = text === undefined ? undefined : parseHashKnownHosts(text);
    if (v !== undefined) return v;
  }
  return false;
}
