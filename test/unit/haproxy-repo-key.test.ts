// M2 (issue 21): the repository key. Only https or a local file (http:// is refused at exit 2); with
// haproxy_repo_key_fingerprint set, a key that is not that one is refused before anything is written on the
// host; the dry run shows the key's fingerprint. Keys are real ones made by gpg (test/support/apt-repo.ts).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportKey, makeKey } from '../support/apt-repo.js';
import { keyFingerprints } from '../../recipes/lib/pgp-fingerprint.js';
import { preflight } from '../../recipes/preflight.js';
import { haproxyRepo } from '../../recipes/haproxy-repo.js';
import type { HostContext } from '../../runner/engine/types.js';

let base: string;
const k = { fpr: '', bin: '', asc: '', otherFpr: '', otherAsc: '' };

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'haforge-key-'));
  const good = await makeKey(base, 'signer');
  const other = await makeKey(base, 'stranger');
  Object.assign(k, { fpr: good.fingerprint, bin: join(base, 's.gpg'), asc: join(base, 's.asc'), otherFpr: other.fingerprint, otherAsc: join(base, 'o.asc') });
  await exportKey(good.home, good.fingerprint, k.bin, false);
  await exportKey(good.home, good.fingerprint, k.asc, true);
  await exportKey(other.home, other.fingerprint, k.otherAsc, true);
}, 60_000);
afterAll(() => rm(base, { recursive: true, force: true }));

const spaced = (f: string) => f.toLowerCase().replace(/(.{4})/g, '$1 ').trim();

describe('keyFingerprints', () => {
  test("a binary and an armored export give gpg's own fingerprint", async () => {
    expect(keyFingerprints(await readFile(k.bin))).toEqual([k.fpr]);
    expect(keyFingerprints(await readFile(k.asc))).toEqual([k.fpr]);
  });
  test('not a key: none', () => {
    expect(keyFingerprints(Buffer.from('<html>404</html>'))).toEqual([]);
  });
});

describe('preflight (exit 2, before any connection)', () => {
  const custom = { haproxy_source: 'custom', haproxy_repo_url: 'http://10.0.0.1/debian', haproxy_repo_suite: 's' };
  test('a key over plain http is refused', async () => {
    expect(await preflight({ ...custom, haproxy_repo_key: 'http://10.0.0.1/key.gpg' })).toMatch(
      /^haproxy_repo_key http:\/\/10\.0\.0\.1\/key\.gpg: .*https:\/\/ URL or a local file/,
    );
    expect(await preflight({ ...custom, haproxy_repo_key: 'ftp://h/key.gpg' })).toMatch(/^haproxy_repo_key .*https/);
  });
  test('with a pin, an https key is fetched in preflight: one that cannot be fetched stops the run there', async () => {
    expect(await preflight({ ...custom, haproxy_repo_key: 'https://127.0.0.1:9/key.gpg', haproxy_repo_key_fingerprint: k.fpr })).toMatch(
      /^haproxy_repo_key https:\/\/127\.0\.0\.1:9\/key\.gpg: cannot fetch it/,
    );
  });
  test('https and local files pass; a local key must match the pinned fingerprint', async () => {
    expect(await preflight({ ...custom, haproxy_repo_key: 'https://h.example/key.gpg' })).toBeUndefined();
    expect(await preflight({ ...custom, haproxy_repo_key: k.asc, haproxy_repo_key_fingerprint: spaced(k.fpr) })).toBeUndefined();
    expect(await preflight({ ...custom, haproxy_repo_key: k.otherAsc, haproxy_repo_key_fingerprint: k.fpr })).toMatch(
      new RegExp(`^haproxy_repo_key_fingerprint .*${spaced(k.otherFpr).toUpperCase()}, not the pinned ${spaced(k.fpr).toUpperCase()}`),
    );
  });
});

/** A host that records every command and upload; every file reads as absent. */
function fakeHost(vars: Record<string, string>): HostContext & { touched: string[] } {
  const touched: string[] = [];
  const h = {
    name: 'lb1', vars, dryRun: true, secrets: {}, touched,
    run: async (cmd: string) => (touched.push(cmd), { stdout: 'settled\nabsent\n', stderr: '', code: 0, signal: null }),
    sh: async (cmd: string) => (touched.push(cmd), ''),
    upload: async (p: string) => void touched.push(`upload ${p}`),
    fact: async () => ({ codename: 'bookworm' }),
    forget: () => undefined, progress: () => undefined,
    spec: { user: 'root' },
  };
  return h as unknown as HostContext & { touched: string[] };
}

describe('the recipe', () => {
  const vars = (key: string, pin?: string) => ({
    haproxy_source: 'custom', haproxy_repo_url: 'http://10.0.0.1/debian', haproxy_repo_suite: 's', haproxy_repo_key: key,
    ...(pin ? { haproxy_repo_key_fingerprint: pin } : {}),
  });
  test('a key that does not match the pin fails the plan: nothing is run or written on the host', async () => {
    const h = fakeHost(vars(k.otherAsc, spaced(k.fpr)));
    await expect(Promise.resolve(haproxyRepo.steps(h))).rejects.toThrow(/does not match haproxy_repo_key_fingerprint/);
    expect(h.touched).toEqual([]);
  });
  test('a plain http key URL is refused by the recipe too', async () => {
    const h = fakeHost(vars('http://127.0.0.1:9/key.gpg'));
    await expect(Promise.resolve(haproxyRepo.steps(h))).rejects.toThrow(/https/);
  });
  test('the dry run shows the fingerprint of the key it would install', async () => {
    const h = fakeHost(vars(k.bin, k.fpr));
    const [step] = await haproxyRepo.steps(h);
    const c = await step!.check(h);
    expect(c.state).toBe('change');
    expect(c.state === 'change' && c.note).toContain(spaced(k.fpr).toUpperCase());
    expect(c.state === 'change' && c.diff).toContain(`key fingerprint ${spaced(k.fpr).toUpperCase()}`);
  });
});
