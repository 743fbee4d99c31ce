// Issue 4, haproxy-config's safe install end to end on both labs, with real bad inputs (no test-only switch in
// haforge), each while a loop of HTTP requests runs through the balancer:
//  1. a web node whose address the LB cannot resolve (the operator's machine reaches it by that name, the LB
//     does not): our renderer accepts a host name, `haproxy -c` on the LB refuses it. The run fails naming the
//     problem, haproxy.cfg is byte-identical, haproxy is not reloaded, every request is answered 200.
//  2. a bind address that is not on the LB: `haproxy -c` accepts it (it does not bind), so haforge checks the
//     LB's addresses itself and refuses before touching anything: same guarantees as 1.
//  3. a port another service already listens on (sshd's 22): valid for -c, fatal only at reload, where HAProxy
//     pauses the running process's listeners while the new one retries its bind (about 2 s of refused
//     connections) before the rollback. haforge looks at the LB's listening sockets and refuses first: same
//     guarantees as 1.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import {
  CONFIG,
  checkConfigClean,
  closeSsh,
  convergeDefault,
  cli,
  configHash,
  e2eLabs,
  haproxyPids,
  inventoryWith,
  lbOf,
  onEach,
  scratch,
  sshRun,
  sshTry,
  up,
} from '../support/e2e-lab.js';
import { summary, withStatus, type CliRun } from '../support/haforge-cli.js';
import { keepRequesting } from '../support/lb-http.js';

const { labs, skip } = e2eLabs();
let dir: Awaited<ReturnType<typeof scratch>> | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `haforge run haproxy-config --limit lb` with the inventory while requests keep going through the LB. */
async function underLoad(lab: LabInfo, inventory: string) {
  const load = keepRequesting(`http://${lbOf(lab).address}/`);
  await sleep(300);
  let run: CliRun;
  try {
    run = await cli(lab, ['run', 'haproxy-config'], ['--limit', 'lb'], inventory);
    // And a moment after: a reload's effect (or a dead listener) shows here.
    await sleep(1000);
  } catch (e) {
    await load.stop();
    throw e;
  }
  const served = await load.stop();
  return { run, served };
}

describe.skipIf(Boolean(skip))('recipes e2e: an invalid config is refused and the LB keeps serving', () => {
  beforeAll(async () => {
    dir = await scratch('e2e-invalid');
    await onEach(labs, (lab) => convergeDefault(lab));
  });

  afterAll(async () => {
    try {
      await onEach(labs, async (lab) => {
        await up(lab);
        await checkConfigClean(lab);
      });
    } finally {
      await closeSsh();
      await dir?.remove();
    }
  });

  test('a web node address the LB cannot resolve: haproxy -c refuses it, the old config stays, no reload', async () => {
    await onEach(labs, async (lab) => {
      const bad = await inventoryWith(lab, dir!.dir, 'unresolvable', { hosts: { web2: { address: 'web2.haforge.invalid' } } });
      const hash = await configHash(lab);
      const pids = await haproxyPids(lab);
      const { run, served } = await underLoad(lab, bad);
      expect(run.code, summary(run)).toBe(1);
      const failed = run.report!.results.filter((r) => r.status === 'failed');
      expect(failed.map((r) => `${r.recipe} › ${r.step}`)).toEqual([`haproxy-config › config ${CONFIG} (HAProxy ${lab.suite === 'bookworm' ? '2.6' : '3.0'})`]);
      expect(failed[0]!.message).toMatch(/validation failed, \/etc\/haproxy\/haproxy\.cfg left unchanged/);
      expect(failed[0]!.message).toMatch(/web2\.haforge\.invalid/);
      expect(await configHash(lab), 'haproxy.cfg unchanged').toBe(hash);
      expect(await haproxyPids(lab), 'no reload').toEqual(pids);
      expect((await sshTry(lab, lbOf(lab).name, 'ls /etc/haproxy/ | grep -c haforge-validate')).out.trim(), 'no temp copy left').toBe('0');
      expect(served.failures, `requests during the run: ${served.total}; failed: ${served.failures.slice(0, 5).join('; ')}`).toEqual([]);
      expect(served.total).toBeGreaterThan(10);
    });
  });

  test('a bind address not on the LB: refused before anything is touched, no reload, serving throughout', async () => {
    await onEach(labs, async (lab) => {
      // An address in the lab's subnet that no host has.
      const foreign = `${lab.subnet}.250`;
      const bad = await inventoryWith(lab, dir!.dir, 'foreign-bind', { vars: { bind_address: foreign } });
      const hash = await configHash(lab);
      const pids = await haproxyPids(lab);
      const { run, served } = await underLoad(lab, bad);
      expect(run.code, summary(run)).toBe(1);
      const failed = run.report!.results.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toContain(`bind_address ${foreign} is not an address of ${lbOf(lab).name} (it has ${lbOf(lab).address})`);
      expect(await configHash(lab), 'haproxy.cfg unchanged').toBe(hash);
      expect(await haproxyPids(lab), 'no reload').toEqual(pids);
      expect(served.failures, `requests during the run: ${served.total}; failed: ${served.failures.slice(0, 5).join('; ')}`).toEqual([]);
      // The LB's own address is accepted (and put back to '*' by the afterAll's up).
      const own = await inventoryWith(lab, dir!.dir, 'own-bind', { vars: { bind_address: lbOf(lab).address } });
      const ok = await cli(lab, ['run', 'haproxy-config'], ['--limit', 'lb'], own);
      expect(ok.code, summary(ok)).toBe(0);
      expect(await sshRun(lab, lbOf(lab).name, `grep -c '^    bind ${lbOf(lab).address}:80$' ${CONFIG}`)).toBe('1\n');
    });
  });

  test('a port another service listens on: refused before anything is touched, no reload, serving throughout', async () => {
    await onEach(labs, async (lab) => {
      await up(lab);
      const bad = await inventoryWith(lab, dir!.dir, 'busy-port', { vars: { http_port: 22 } });
      const hash = await configHash(lab);
      const pids = await haproxyPids(lab);
      const { run, served } = await underLoad(lab, bad);
      expect(run.code, summary(run)).toBe(1);
      const failed = run.report!.results.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.message).toMatch(new RegExp(`port 22 on ${lbOf(lab).name} is in use by sshd`));
      expect(await configHash(lab), 'haproxy.cfg unchanged').toBe(hash);
      expect(await haproxyPids(lab), 'no reload').toEqual(pids);
      expect(served.failures, `requests during the run: ${served.total}; failed: ${served.failures.slice(0, 5).join('; ')}`).toEqual([]);
      // sshd untouched (this very check runs over it), and a clean re-run.
      expect((await sshRun(lab, lbOf(lab).name, 'echo still here')).trim()).toBe('still here');
      const again = await up(lab);
      expect(withStatus(again, 'changed')).toEqual([]);
    });
  });
});
