// The shell scripts that finish an upload, run through a real dash on local temp files. The integration
// tests cover the in-place path over SSH; the staged path (non-root login + sudo) needs sudo on the
// remote, so its script is checked here as root would run it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { finishFromStaging, finishInPlace, TEMP_PREFIX, tempBeside } from '../../runner/transport/upload-plan.js';

const root = mkdtempSync(join(tmpdir(), 'haforge-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

function dash(script: string): { code: number | null; stderr: string } {
  const r = spawnSync('/bin/dash', ['-c', script], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

function fresh(): { dir: string; staging: string } {
  const dir = mkdtempSync(join(root, "it's a dir "));
  const staging = mkdtempSync(join(root, 'home-'));
  return { dir, staging };
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX));

describe('finishInPlace', () => {
  test('sets mode and renames over the target', () => {
    const { dir } = fresh();
    const target = join(dir, 'a.conf');
    writeFileSync(target, 'old');
    const tmp = tempBeside(target);
    writeFileSync(tmp, 'new', { mode: 0o600 });
    expect(dash(finishInPlace(tmp, target, { mode: 0o640 })).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o7777).toBe(0o640);
    expect(temps(dir)).toEqual([]);
  });

  test('a failing step keeps the exit status, the old file, and removes the temp', () => {
    const { dir } = fresh();
    const target = join(dir, 'a.conf');
    writeFileSync(target, 'old');
    const tmp = tempBeside(target);
    writeFileSync(tmp, 'new');
    const r = dash(finishInPlace(tmp, target, { mode: 0o644, owner: 'no-such-user-hf' }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-user-hf/);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(temps(dir)).toEqual([]);
  });

  test('refuses to move into a directory that has the target name', () => {
    const { dir } = fresh();
    const target = join(dir, 'isdir');
    execFileSync('mkdir', [target]);
    const tmp = tempBeside(target);
    writeFileSync(tmp, 'x');
    expect(dash(finishInPlace(tmp, target, { mode: 0o644 })).code).not.toBe(0);
    expect(readdirSync(target)).toEqual([]);
    expect(temps(dir)).toEqual([]);
  });
});

describe('finishFromStaging (as root runs it)', () => {
  test.skipIf(!isRoot)('installs with owner, group and mode, and removes the staged copy', () => {
    const { dir, staging } = fresh();
    const staged = join(staging, `${TEMP_PREFIX}abc`);
    writeFileSync(staged, 'content', { mode: 0o600 });
    const target = join(dir, 'b.conf');
    writeFileSync(target, 'old');
    expect(dash(finishFromStaging(staged, target, { mode: 0o640, owner: 'nobody', group: 'nogroup' })).code).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('content');
    const st = statSync(target);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.uid).toBe(Number(execFileSync('id', ['-u', 'nobody']).toString()));
    expect(existsSync(staged)).toBe(false);
    expect(temps(dir)).toEqual([]);
  });

  test('on failure: old target kept, temp beside it and staged copy both removed', () => {
    const { dir, staging } = fresh();
    const staged = join(staging, `${TEMP_PREFIX}def`);
    writeFileSync(staged, 'content');
    const target = join(dir, 'c.conf');
    writeFileSync(target, 'old');
    const r = dash(finishFromStaging(staged, target, { mode: 0o644, owner: 'no-such-user-hf' }));
    expect(r.code).not.toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(existsSync(staged)).toBe(false);
    expect(temps(dir)).toEqual([]);
  });

  test('rejects a nonsense mode before building a script', () => {
    expect(() => finishFromStaging('/a', '/b', { mode: 0o17777 })).toThrow(RangeError);
    expect(() => finishInPlace('/a', '/b', { mode: 1.5 })).toThrow(RangeError);
  });
});

// M3 (issue 21): owner and mode are set on the temp file, never on the target after the rename; the order is
// chown (which clears set-id bits), then chmod, then the rename. test/integration/upload-window.test.ts watches
// a real upload to prove the target never shows another owner or mode.
describe('order of the finishing steps', () => {
  test('in place: chown, chmod, then mv; only the temp is changed', () => {
    const s = finishInPlace('/etc/.haforge-tmp-x', '/etc/a.conf', { mode: 0o640, owner: 'root', group: 'haproxy' });
    const at = (w: string) => s.indexOf(w);
    expect(at('chown root:haproxy -- /etc/.haforge-tmp-x')).toBeGreaterThan(-1);
    expect(at('chown')).toBeLessThan(at('chmod 0640 -- /etc/.haforge-tmp-x'));
    expect(at('chmod')).toBeLessThan(at('mv -f -T -- /etc/.haforge-tmp-x /etc/a.conf'));
    expect(s.slice(0, at('mv '))).not.toContain('/etc/a.conf');
  });
  test('from staging: install sets mode and owner on the temp beside the target, then mv', () => {
    const s = finishFromStaging('/home/u/.haforge-tmp-s', '/etc/a.conf', { mode: 0o640, owner: 'root', group: 'haproxy' });
    expect(s).toMatch(/install -m 0640 -o root -g haproxy -T -- \/home\/u\/\.haforge-tmp-s \/etc\/\.haforge-tmp-\w+ && mv -f -T -- \/etc\/\.haforge-tmp-\w+ \/etc\/a\.conf/);
  });
});
