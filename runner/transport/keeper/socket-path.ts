// Where the connection keeper listens: a folder only this user can enter, as OpenSSH wants of a ControlPath.
// Whoever can connect to the socket can run commands on every kept host, so a folder that others could
// reach (a symlink, another owner, group or world bits) is refused rather than used.
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class KeeperPathError extends Error {}

export function keeperSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const base = env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : tmpdir();
  const dir = path.join(base, `haforge-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new KeeperPathError(`cannot make ${dir}: ${(e as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new KeeperPathError(`${dir} is not a folder`);
  if (st.uid !== uid) throw new KeeperPathError(`${dir} belongs to uid ${st.uid}, not to this user`);
  if ((st.mode & 0o077) !== 0) throw new KeeperPathError(`${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})`);
  return path.join(dir, 'keeper.sock');
}
