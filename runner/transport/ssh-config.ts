// The one ssh_config keyword haforge follows: HashKnownHosts, so the known_hosts lines it writes look like the
// ones ssh writes for this user (Debian's /etc/ssh/ssh_config says yes under `Host *`). Nothing else of
// ssh_config is read but Include (Debian's file includes /etc/ssh/ssh_config.d/*.conf before its own settings).
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { globMatch } from '../inventory/glob.js';

export const DEFAULT_SSH_CONFIGS = (): string[] => [join(homedir(), '.ssh', 'config'), '/etc/ssh/ssh_config'];

type Line = { key: string; value: string };

function lines(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(raw.replace(/#.*$/, '').trim());
    if (m) out.push({ key: m[1]!.toLowerCase(), value: m[2]!.trim().replace(/^"(.*)"$/, '$1') });
  }
  return out;
}

/**
 * HashKnownHosts as set for every host: at the top of the file or under `Host *`. A value under another Host or
 * any Match block is for some hosts only and is skipped. The first value found wins, as in ssh. `include`
 * resolves an Include line to the values its files give (undefined: none).
 */
export async function parseHashKnownHosts(
  text: string,
  include: (pattern: string) => Promise<boolean | undefined> = async () => undefined,
): Promise<boolean | undefined> {
  let everyHost = true;
  for (const { key, value } of lines(text)) {
    if (key === 'host') everyHost = value.split(/\s+/).includes('*');
    else if (key === 'match') everyHost = false;
    else if (key === 'include' && everyHost) {
      for (const pattern of value.split(/\s+/)) {
        const v = await include(pattern);
        if (v !== undefined) return v;
      }
    } else if (key === 'hashknownhosts' && everyHost) return value.toLowerCase() === 'yes';
  }
  return undefined;
}

/** Files an Include names: relative to ~/.ssh (the user's file) or /etc/ssh; `*` and `?` in the last part. */
async function included(pattern: string, base: string): Promise<string[]> {
  const full = pattern.startsWith('~/') ? join(homedir(), pattern.slice(2)) : isAbsolute(pattern) ? pattern : join(base, pattern);
  const name = basename(full);
  if (!/[*?]/.test(name)) return [full];
  const names = await readdir(dirname(full)).catch(() => [] as string[]);
  return names.filter((n) => globMatch(name, n)).sort().map((n) => join(dirname(full), n));
}

async function fileSetting(file: string, base: string, depth: number): Promise<boolean | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || depth > 8) return undefined;
  return parseHashKnownHosts(text, async (pattern) => {
    for (const f of await included(pattern, base)) {
      const v = await fileSetting(f, base, depth + 1);
      if (v !== undefined) return v;
    }
    return undefined;
  });
}

/** Whether new known_hosts lines are hashed: the first of `files` that sets it decides; default no. */
export async function hashKnownHostsSetting(files: readonly string[] = DEFAULT_SSH_CONFIGS()): Promise<boolean> {
  for (const f of files) {
    const base = f.startsWith(join(homedir(), '.ssh')) ? join(homedir(), '.ssh') : dirname(f);
    const v = await fileSetting(f, base, 0);
    if (v !== undefined) return v;
  }
  return false;
}
