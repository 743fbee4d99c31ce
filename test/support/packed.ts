// The package as a user gets it: `npm pack` of this checkout (its prepack builds dist/), then `npm install -g` of
// the tarball into a temporary prefix. Offline: the tarball carries its runtime dependencies (bundleDependencies),
// so the install needs neither the registry nor this checkout's node_modules.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './haforge-cli.js';

const execFileP = promisify(execFile);

export interface PackedInstall {
  tarball: string;
  prefix: string;
  /** PREFIX/bin/haforge */
  bin: string;
  /** PREFIX/lib/node_modules/haforge */
  packageDir: string;
  /** A PATH with this node first and no checkout in it: what the installed bin's shebang finds. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

/** A PATH for the installed CLI: the running node's folder, then the system's. */
export function bareEnv(): Record<string, string> {
  return { PATH: `${path.dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`, NODE_PATH: '' };
}

async function npm(args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  // The npm beside this node first (env's PATH), else the system's.
  const { stdout } = await execFileP('npm', args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 300_000 });
  return stdout;
}

export async function packAndInstall(): Promise<PackedInstall> {
  const dir = await mkdtemp(path.join(tmpdir(), 'haforge-packed-'));
  try {
    const env = bareEnv();
    const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
    await npm(['pack', '--pack-destination', dir, ...quiet], REPO_ROOT, env);
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack made no tarball in ${dir}`);
    const tarball = path.join(dir, tgz);
    const prefix = path.join(dir, 'prefix');
    // --ignore-scripts: ssh2's optional native build is not needed (it falls back to JS) and must not fetch headers.
    await npm(['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', ...quiet, tarball], dir, env);
    return {
      tarball,
      prefix,
      bin: path.join(prefix, 'bin', 'haforge'),
      packageDir: path.join(prefix, 'lib', 'node_modules', 'haforge'),
      env,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
