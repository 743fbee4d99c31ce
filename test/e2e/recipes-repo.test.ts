// Issue 4, haproxy-repo end to end on both labs: key import against a local signed apt repository (a real gpg
// key, a tiny package, InRelease signed with gpg --clearsign) served over HTTP from each lab's bridge address.
// With the right key apt verifies the repository and installs from it; with a wrong key the recipe fails
// clearly and leaves apt as it was (`apt-get update` still succeeds); back to `distro` removes the files.
//
// Lab hosts send apt through the lab's apt proxy, which only serves Debian's mirror (a custom URL gets
// 403). haforge leaves the host's proxy settings alone (a real site's proxy is its own business), so the test
// tells apt on the LB to reach the bridge directly (`Acquire::http::Proxy::<bridge> "DIRECT";`) and removes
// that again at the end.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { buildSignedRepo, serveStatic, type SignedRepo, type StaticServer } from '../support/apt-repo.js';
import { closeSsh, cli, convergeDefault, e2eLabs, lbOf, onEach, sshRun, sshTry, up } from '../support/e2e-lab.js';
import { summary, withStatus } from '../support/haforge-cli.js';

const { labs, skip } = e2eLabs();

const SUITE = 'haforge-e2e';
const PROBE = 'haforge-probe';
const KEYRING = '/etc/apt/keyrings/haforge-haproxy.asc';
const SOURCES = '/etc/apt/sources.list.d/haforge-haproxy.sources';
const PREFERENCES = '/etc/apt/preferences.d/haforge-haproxy';
const REPO_FILES = [KEYRING, SOURCES, PREFERENCES];
const DIRECT = '/etc/apt/apt.conf.d/99haforge-e2e-direct';

let repo: SignedRepo | undefined;
const servers = new Map<string, StaticServer>();

const lbName = (lab: LabInfo) => lbOf(lab).name;

function repoFlags(lab: LabInfo, key: string): string[] {
  const server = servers.get(lab.name)!;
  return ['--limit', 'lb', '--haproxy-source', 'custom', '--haproxy-repo-url', server.url, '--haproxy-repo-suite', SUITE, '--haproxy-repo-key', key];
}

/** Which of haforge's repository files exist on the LB. */
async function repoFilesPresent(lab: LabInfo): Promise<string[]> {
  const r = await sshTry(lab, lbName(lab), `for f in ${REPO_FILES.join(' ')}; do [ -e "$f" ] && echo "$f"; done; ls ${REPO_FILES.map((f) => `${f}.haforge-bak`).join(' ')} 2>/dev/null; true`);
  return r.out.trim().split('\n').filter(Boolean);
}

/** `apt-get update` on the LB succeeds with no error or warning (no broken source left behind). */
async function aptUpdateClean(lab: LabInfo): Promise<void> {
  const r = await sshTry(lab, lbName(lab), 'apt-get update 2>&1');
  expect(r.code, `apt-get update on ${lab.name}:\n${r.out}`).toBe(0);
  expect(r.out, 'apt-get update printed an error or warning').not.toMatch(/^(E|W|Err):/m);
}

async function runRepo(lab: LabInfo, key: string) {
  return cli(lab, ['run', 'haproxy-repo'], repoFlags(lab, key));
}

describe.skipIf(Boolean(skip))('recipes e2e: haproxy-repo key import against a local signed repository', () => {
  beforeAll(async () => {
    repo = await buildSignedRepo({ suite: SUITE, packages: [{ name: PROBE, version: '1.0-1', description: 'haforge e2e probe: proves apt installed from the test repository' }] });
    await onEach(labs, async (lab) => {
      // The LB starts from the distro source, converged.
      await convergeDefault(lab);
      servers.set(lab.name, await serveStatic(repo!.root, lab.gateway));
      await sshRun(lab, lbName(lab), `printf '%s\\n' 'Acquire::http::Proxy::${lab.gateway} "DIRECT";' > ${DIRECT}`);
      expect(await repoFilesPresent(lab)).toEqual([]);
    });
  });

  afterAll(async () => {
    try {
      await onEach(labs, async (lab) => {
        // Whatever happened: no probe package, no test tweak, back to the distro source (which removes the files).
        await sshTry(lab, lbName(lab), `apt-get purge -y -q ${PROBE} >/dev/null 2>&1; rm -f ${DIRECT}`);
        const back = await cli(lab, ['run', 'haproxy-repo'], ['--limit', 'lb']);
        if (back.code !== 0) throw new Error(`restoring the distro source failed\n${summary(back)}`);
        await servers.get(lab.name)?.close();
      });
    } finally {
      await closeSsh();
      await repo?.cleanup();
    }
  });

  test('wrong key: the recipe fails clearly, no file is left, apt-get update still succeeds', async () => {
    await onEach(labs, async (lab) => {
      const run = await runRepo(lab, repo!.wrongKeyFile);
      expect(run.code, summary(run)).toBe(1);
      const failed = run.report!.results.filter((r) => r.status === 'failed');
      expect(failed.map((r) => `${r.recipe} › ${r.step}`)).toEqual([`haproxy-repo › repository ${servers.get(lab.name)!.url} ${SUITE}`]);
      // Clear: it names the repository and says the key did not verify it, with apt's own reason.
      expect(failed[0]!.message).toMatch(new RegExp(`could not verify ${servers.get(lab.name)!.url} ${SUITE} with the given key`));
      expect(failed[0]!.message).toMatch(/NO_PUBKEY|Missing key|signature/);
      expect(await repoFilesPresent(lab)).toEqual([]);
      await aptUpdateClean(lab);
      // apt did fetch our InRelease: the failure is the signature, not the network.
      expect(servers.get(lab.name)!.requests).toContain(`/dists/${SUITE}/InRelease`);
    });
  });

  test('right key: keyring, deb822 source and pin are written; apt verifies the repository and installs from it', async () => {
    await onEach(labs, async (lab) => {
      // The binary export: haforge stores it armored as a .asc keyring (no gpg on the host).
      const run = await runRepo(lab, repo!.keyFile);
      expect(run.code, summary(run)).toBe(0);
      expect(withStatus(run.report!, 'changed')).toEqual([`${lbName(lab)} haproxy-repo › repository ${servers.get(lab.name)!.url} ${SUITE}`]);
      expect((await repoFilesPresent(lab)).sort()).toEqual([...REPO_FILES].sort());

      const keyring = await sshRun(lab, lbName(lab), `cat ${KEYRING}`);
      expect(keyring).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/);
      expect(keyring.replace(/\s+/g, '')).toBe((await readFile(repo!.keyFileArmored, 'utf8')).replace(/^Comment:.*$/gm, '').replace(/\s+/g, ''));
      const sources = await sshRun(lab, lbName(lab), `cat ${SOURCES}`);
      expect(sources).toMatch(new RegExp(`^URIs: ${servers.get(lab.name)!.url}$`, 'm'));
      expect(sources).toMatch(new RegExp(`^Suites: ${SUITE}$`, 'm'));
      expect(sources).toMatch(new RegExp(`^Signed-By: ${KEYRING}$`, 'm'));
      expect(await sshTry(lab, lbName(lab), 'ls /etc/apt/trusted.gpg.d/ /etc/apt/trusted.gpg 2>/dev/null | grep -i haforge')).toMatchObject({ out: '' });

      await aptUpdateClean(lab);
      const policy = await sshRun(lab, lbName(lab), `apt-cache policy ${PROBE}`);
      expect(policy, 'candidate from the test repository').toMatch(/Candidate: 1\.0-1/);
      expect(policy).toContain(`${servers.get(lab.name)!.url} ${SUITE}/main all Packages`);
      // No copy in apt's cache from an earlier run: the package must come from the test's server.
      const install = await sshTry(lab, lbName(lab), `rm -f /var/cache/apt/archives/${PROBE}_*.deb; DEBIAN_FRONTEND=noninteractive apt-get install -y ${PROBE} 2>&1`);
      expect(install.code, install.out).toBe(0);
      expect(install.out, 'apt installed it as an authenticated package').not.toMatch(/cannot be authenticated|WARNING/i);
      expect((await sshRun(lab, lbName(lab), `dpkg-query -W -f='\${Status} \${Version}' ${PROBE}`)).trim()).toBe('install ok installed 1.0-1');
      expect(servers.get(lab.name)!.requests).toContain(`/pool/main/${PROBE}_1.0-1_all.deb`);

      // Same key again: nothing to do.
      const again = await runRepo(lab, repo!.keyFile);
      expect(again.code, summary(again)).toBe(0);
      expect(withStatus(again.report!, 'changed')).toEqual([]);
    });
  });

  test('wrong key replacing a working one: fails, the working files are put back, apt-get update still succeeds', async () => {
    await onEach(labs, async (lab) => {
      const before = await sshRun(lab, lbName(lab), `cat ${REPO_FILES.join(' ')}`);
      const run = await runRepo(lab, repo!.wrongKeyFile);
      expect(run.code, summary(run)).toBe(1);
      expect(withStatus(run.report!, 'failed')).toEqual([`${lbName(lab)} haproxy-repo › repository ${servers.get(lab.name)!.url} ${SUITE}`]);
      expect(run.report!.results.find((r) => r.status === 'failed')!.message).toMatch(/could not verify .* with the given key/);
      expect(await sshRun(lab, lbName(lab), `cat ${REPO_FILES.join(' ')}`), 'the working key, source and pin').toBe(before);
      expect((await repoFilesPresent(lab)).sort(), 'no backup files left').toEqual([...REPO_FILES].sort());
      await aptUpdateClean(lab);
    });
  });

  test('back to distro: haforge\'s files are removed (changed), apt-get update works, then ok', async () => {
    await onEach(labs, async (lab) => {
      await sshRun(lab, lbName(lab), `DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ${PROBE}`);
      const run = await cli(lab, ['run', 'haproxy-repo'], ['--limit', 'lb']);
      expect(run.code, summary(run)).toBe(0);
      expect(withStatus(run.report!, 'changed')).toEqual([`${lbName(lab)} haproxy-repo › no extra haproxy repository (distro)`]);
      expect(await repoFilesPresent(lab)).toEqual([]);
      await aptUpdateClean(lab);
      const policy = await sshRun(lab, lbName(lab), `apt-cache policy ${PROBE}`);
      expect(policy).not.toContain(servers.get(lab.name)!.url);
      const again = await cli(lab, ['run', 'haproxy-repo'], ['--limit', 'lb']);
      expect(withStatus(again.report!, 'changed')).toEqual([]);
      // The whole setup is still converged on the distro haproxy.
      const full = await up(lab);
      expect(withStatus(full, 'changed').filter((s) => !s.includes('system-update')), JSON.stringify(full.results.filter((r) => r.status !== 'ok'))).toEqual([]);
    });
  });
});
