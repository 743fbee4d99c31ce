// An earlier commit's build, to measure it side by side with this checkout's: the commit is checked out into a
// temporary git worktree (sharing this project's node_modules), built into node_modules/.cache like the bench's own
// snapshot, and the worktree removed again. Only bench/ uses it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInto, ROOT } from './haforge.js';

export interface Revision {
  /** What was asked for (main, HEAD~1, a hash) and the commit it named. */
  name: string;
  commit: string;
  entry: string;
  remove(): void;
}

const git = (args: string[], cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export function buildRevision(rev: string): Revision {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/~^-]{0,99}$/.test(rev)) throw new Error(`--against takes a git revision, found ${JSON.stringify(rev)}`);
  const commit = git(['rev-parse', '--verify', `${rev}^{commit}`]);
  const tree = mkdtempSync(join(tmpdir(), 'haforge-bench-rev-'));
  const dir = join(ROOT, 'node_modules', '.cache', `haforge-bench-rev-${process.pid}`);
  try {
    git(['worktree', 'add', '--detach', '--force', tree, commit]);
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const entry = buildInto(tree, dir);
    return { name: rev, commit: commit.slice(0, 10), entry, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } finally {
    git(['worktree', 'remove', '--force', tree]);
    rmSync(tree, { recursive: true, force: true });
  }
}
