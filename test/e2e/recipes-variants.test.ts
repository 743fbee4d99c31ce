// Issue 4, end to end on the lab, Debian 12 (HAProxy 2.6) and 13 (HAProxy 3.0) at once: each persistence
// variant, keep-alive, and HTTPS on and off. Every switch must change only haproxy.cfg (and the certificate the
// first time HTTPS is on), reload haproxy (a new haproxy PID), pass `haproxy -dW -c` on the installed version with
// no warning, and show the variant's behaviour to real HTTP clients through the balancer. Re-running the same
// variant changes nothing and does not reload. Every run that changes something follows its dry run, both
// recorded at the transport: it runs exactly the commands the dry run listed (test/support/plan-proof.ts).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import {
  CONFIG,
  HAPROXY_BRANCH,
  STATS_PASSWORD,
  STATS_USER,
  checkConfigClean,
  closeSsh,
  convergeDefault,
  configHash,
  e2eLabs,
  haproxyPids,
  installedBranch,
  lbOf,
  onEach,
  scratch,
  sshRun,
  up,
  websOf,
} from '../support/e2e-lab.js';
import { withStatus, type Report } from '../support/haforge-cli.js';
import { provedUp } from '../support/plan-proof.js';
import { keepAliveProbe, nodesOf, request, servedBy, setCookies, waitForStates } from '../support/lb-http.js';

const { labs, skip } = e2eLabs();
const execFileP = promisify(execFile);
let dir: Awaited<ReturnType<typeof scratch>> | undefined;
const AUTH = { user: STATS_USER, password: STATS_PASSWORD };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** haproxy's PIDs once they stop changing (an old process finishing after a reload has left). */
async function stablePids(lab: LabInfo): Promise<number[]> {
  let last = await haproxyPids(lab);
  for (let i = 0; i < 30; i++) {
    await sleep(300);
    const now = await haproxyPids(lab);
    if (now.join() === last.join()) return now;
    last = now;
  }
  return last;
}

const http = (lab: LabInfo) => `http://${lbOf(lab).address}`;
const https = (lab: LabInfo) => `https://${lbOf(lab).address}`;
const webNames = (lab: LabInfo) => websOf(lab).map((w) => w.name).sort();

async function allUp(lab: LabInfo, base = http(lab)): Promise<void> {
  await waitForStates(base, AUTH, (s) => webNames(lab).every((n) => s.get(n) === 'UP'), 'every web node UP');
}

/**
 * `up` with the variant's flags after another variant: only the LB's haproxy-config may change (its config
 * step must), haproxy reloads (a PID it did not have before), and the new config is clean under -dW -c.
 */
async function switchTo(lab: LabInfo, flags: string[]): Promise<Report> {
  const lb = lbOf(lab).name;
  const pids = await stablePids(lab);
  const hash = await configHash(lab);
  const { report, planned } = await provedUp(lab, dir!.dir, flags);
  expect(planned, 'the plan held commands').toBeGreaterThan(0);
  const changed = withStatus(report, 'changed');
  const configStep = `${lb} haproxy-config › config ${CONFIG} (HAProxy ${HAPROXY_BRANCH[lab.suite]})`;
  expect(changed, `up ${flags.join(' ')}: changed steps`).toContain(configStep);
  expect(changed.filter((s) => !s.startsWith(`${lb} haproxy-config › `)), `up ${flags.join(' ')}: only haproxy-config may change`).toEqual([]);
  expect(withStatus(report, 'failed')).toEqual([]);
  expect(await configHash(lab), 'haproxy.cfg content').not.toBe(hash);
  const after = await haproxyPids(lab);
  expect(after.filter((p) => !pids.includes(p)), `haproxy reloaded: PIDs before ${pids.join(' ')}, after ${after.join(' ')}`).not.toEqual([]);
  await checkConfigClean(lab);
  await allUp(lab, flags.includes('--https') ? https(lab) : http(lab));
  return report;
}

/** The same variant again: 0 changed, the same haproxy processes (no reload), the same file. */
async function rerunUnchanged(lab: LabInfo, flags: string[]): Promise<void> {
  const pids = await stablePids(lab);
  const hash = await configHash(lab);
  const report = await up(lab, flags);
  expect(withStatus(report, 'changed'), `second up ${flags.join(' ')}`).toEqual([]);
  expect(await configHash(lab)).toBe(hash);
  expect(await haproxyPids(lab), 'no reload on an unchanged config').toEqual(pids);
}

/** A client without cookies is spread over every node (roundrobin). */
async function expectSpread(lab: LabInfo, url: string): Promise<void> {
  const nodes = await nodesOf(url, 6);
  expect(new Set(nodes), `nodes of 6 cookie-less requests to ${url}: ${nodes.join(' ')}`).toEqual(new Set(webNames(lab)));
}

describe.skipIf(Boolean(skip))('recipes e2e: variants on bookworm (HAProxy 2.6) and trixie (HAProxy 3.0)', () => {
  beforeAll(async () => {
    dir = await scratch('e2e-variants');
    // Other files share the labs: start from the default variant, converged.
    await onEach(labs, async (lab) => {
      await convergeDefault(lab);
      expect(await installedBranch(lab), `${lab.suite} ships this HAProxy branch`).toBe(HAPROXY_BRANCH[lab.suite]);
    });
  });

  afterAll(async () => {
    // Leave the labs converged on the default variant, whatever happened above.
    try {
      await onEach(labs, (lab) => up(lab));
    } finally {
      await closeSsh();
      await dir?.remove();
    }
  });

  test('default: roundrobin spreads, no keep-alive (Connection: close), config clean under -dW -c', async () => {
    await onEach(labs, async (lab) => {
      await checkConfigClean(lab);
      await allUp(lab);
      await expectSpread(lab, `${http(lab)}/`);
      const ka = await keepAliveProbe(`${http(lab)}/`);
      expect(ka.statuses).toEqual([200, 200]);
      expect(ka.connection, 'option httpclose: the LB closes after each response').toBe('close');
      expect(ka.reused).toBe(false);
      const plain = await request(`${http(lab)}/`);
      expect(plain.headers['location']).toBeUndefined();
    });
  });

  test('cookie-insert: SERVERID set by the LB keeps a client on its node, the cookie decides, none spreads', async () => {
    const flags = ['--persistence', 'cookie-insert'];
    await onEach(labs, async (lab) => {
      await switchTo(lab, flags);
      const url = `${http(lab)}/`;
      await expectSpread(lab, url);
      const first = await request(url);
      const node = servedBy(first.body);
      const serverId = setCookies(first).get('SERVERID');
      expect(serverId, `Set-Cookie of the first answer: ${String(first.headers['set-cookie'])}`).toBe(node);
      // nocache: HAProxy marks a response that sets its cookie as private, so shared caches keep no copy.
      expect(String(first.headers['cache-control'] ?? ''), 'nocache').toMatch(/private/);
      for (let i = 0; i < 8; i++) expect(servedBy((await request(url, { cookie: `SERVERID=${serverId}` })).body)).toBe(node);
      // Not luck: the cookie's value picks the node.
      for (const web of webNames(lab)) {
        const nodes = await nodesOf(url, 3, { cookie: `SERVERID=${web}` });
        expect(nodes, `with SERVERID=${web}`).toEqual([web, web, web]);
      }
      await rerunUnchanged(lab, flags);
    });
  });

  test('cookie-prefix (php): PHPSESSID prefixed with the node, the session survives, none spreads', async () => {
    await onEach(labs, async (lab) => {
      // PHP first (a web-node change, not a variant switch), so the switch below is the config alone.
      const { report: php } = await provedUp(lab, dir!.dir, ['--persistence', 'cookie-insert', '--php']);
      expect(withStatus(php, 'changed').filter((s) => s.includes('haproxy-config'))).toEqual([]);
      const flags = ['--persistence', 'cookie-prefix', '--php'];
      await switchTo(lab, flags);
      const url = `${http(lab)}/session.php`;
      await expectSpread(lab, url);
      const first = await request(url);
      const node = servedBy(first.body);
      const sid = setCookies(first).get('PHPSESSID');
      expect(sid, `Set-Cookie: ${String(first.headers['set-cookie'])}`).toMatch(new RegExp(`^${node}~[A-Za-z0-9,-]+$`));
      expect(first.body).toMatch(/hits=1\b/);
      for (let hit = 2; hit <= 7; hit++) {
        const res = await request(url, { cookie: `PHPSESSID=${sid}` });
        expect(servedBy(res.body), `request ${hit} with the prefixed cookie`).toBe(node);
        // PHP found its session: the LB stripped its prefix before the request reached the server.
        expect(res.body).toMatch(new RegExp(`hits=${hit}\\b`));
      }
      await rerunUnchanged(lab, flags);
    });
  });

  test('source: balance source + stick table keep each client on one node', async () => {
    const flags = ['--persistence', 'source'];
    await onEach(labs, async (lab) => {
      await switchTo(lab, flags);
      const cfg = await sshRun(lab, lbOf(lab).name, `cat ${CONFIG}`);
      expect(cfg).toMatch(/^\s+balance source$/m);
      expect(cfg).toMatch(/^\s+stick on src$/m);
      const nodes = await nodesOf(`${http(lab)}/`, 10);
      expect(new Set(nodes).size, `10 requests from this machine: ${nodes.join(' ')}`).toBe(1);
      // Another client address (a web node as the client) sticks too.
      const web = websOf(lab)[0]!;
      const other = await sshRun(lab, web.name, `for i in 1 2 3 4 5 6; do curl -s --noproxy '*' http://${lbOf(lab).address}/ | grep -o 'served by [a-z0-9]*'; done`);
      const otherNodes = other.trim().split('\n');
      expect(otherNodes.length).toBe(6);
      expect(new Set(otherNodes).size, `6 requests from ${web.name}: ${otherNodes.join(', ')}`).toBe(1);
      await rerunUnchanged(lab, flags);
    });
  });

  test('keep-alive: the client connection stays open (no Connection: close), reused for the next request', async () => {
    const flags = ['--keep-alive'];
    await onEach(labs, async (lab) => {
      await switchTo(lab, flags);
      const ka = await keepAliveProbe(`${http(lab)}/`);
      expect(ka.statuses).toEqual([200, 200]);
      expect(ka.connection, 'no Connection: close with keep-alive').not.toBe('close');
      expect(ka.reused, 'the second request reused the connection').toBe(true);
      // http-server-close: each request on the kept connection is balanced anew.
      await expectSpread(lab, `${http(lab)}/`);
      await rerunUnchanged(lab, flags);
    });
  });

  test('https on: http redirects to https, https answers (self-signed cert 0600), stats over https', async () => {
    const flags = ['--https'];
    await onEach(labs, async (lab) => {
      const lb = lbOf(lab);
      // No certificate left by an earlier run (https is off here, nothing serves it): haforge must make one.
      await sshRun(lab, lb.name, `! grep -q ' crt ' ${CONFIG} && rm -f /etc/haproxy/certs/site.pem`);
      const report = await switchTo(lab, flags);
      expect(withStatus(report, 'changed')).toContain(`${lb.name} haproxy-config › TLS certificate /etc/haproxy/certs/site.pem (self-signed unless given)`);
      const redirect = await request(`${http(lab)}/some/path?x=1`);
      expect([301, 302, 303, 307, 308]).toContain(redirect.status);
      expect(redirect.headers['location']).toBe(`https://${lb.address}/some/path?x=1`);
      const secure = await request(`${https(lab)}/`);
      expect(secure.status).toBe(200);
      expect(webNames(lab)).toContain(servedBy(secure.body));
      expect(secure.cert?.subjectaltname ?? '', 'self-signed for the LB address').toContain(`IP Address:${lb.address}`);
      expect((secure.cert?.subject as { CN?: string } | undefined)?.CN).toBe(lb.address);
      await expectSpread(lab, `${https(lab)}/`);
      const ka = await keepAliveProbe(`${https(lab)}/`);
      expect(ka.connection, 'keep-alive is off again').toBe('close');
      expect((await sshRun(lab, lb.name, 'stat -c %a /etc/haproxy/certs/site.pem')).trim()).toBe('600');
      expect((await request(`${https(lab)}/stats;csv`)).status, 'stats without credentials over https').toBe(401);
      await rerunUnchanged(lab, flags);
    });
  });

  test('https with a given certificate: only the certificate changes, haproxy reloads and serves it', async () => {
    await onEach(labs, async (lab) => {
      const lb = lbOf(lab);
      const cn = `given-${lab.suite}.haforge.test`;
      const pem = path.join(dir!.dir, `${lab.name}-given.pem`);
      await execFileP('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', `/CN=${cn}`,
        '-addext', `subjectAltName=IP:${lb.address}`, '-keyout', `${pem}.key`, '-out', `${pem}.crt`]);
      await writeFile(pem, (await readFile(`${pem}.crt`, 'utf8')) + (await readFile(`${pem}.key`, 'utf8')), { mode: 0o600 });
      const flags = ['--https', '--https-cert', pem];
      const pids = await stablePids(lab);
      const hash = await configHash(lab);
      const { report } = await provedUp(lab, dir!.dir, flags);
      expect(withStatus(report, 'changed'), 'the certificate alone').toEqual([`${lb.name} haproxy-config › TLS certificate /etc/haproxy/certs/site.pem`]);
      expect(await configHash(lab), 'haproxy.cfg unchanged').toBe(hash);
      const after = await haproxyPids(lab);
      expect(after.filter((p) => !pids.includes(p)), 'haproxy reloaded to load the new certificate').not.toEqual([]);
      const res = await request(`${https(lab)}/`);
      expect(res.status).toBe(200);
      expect((res.cert?.subject as { CN?: string } | undefined)?.CN, 'the given certificate is served').toBe(cn);
      expect((await sshRun(lab, lb.name, 'sha256sum /etc/haproxy/certs/site.pem; stat -c %a /etc/haproxy/certs/site.pem')).split(/\s+/).filter((w, i) => i !== 1).join(' ').trim())
        .toBe(`${createHash('sha256').update(await readFile(pem)).digest('hex')} 600`);
      await rerunUnchanged(lab, flags);
    });
  });

  test('https off (back to the default): plain http answers again, no redirect', async () => {
    await onEach(labs, async (lab) => {
      await switchTo(lab, []);
      const res = await request(`${http(lab)}/`);
      expect(res.status).toBe(200);
      expect(res.headers['location']).toBeUndefined();
      await expect(request(`${https(lab)}/`, { timeoutMs: 2000 })).rejects.toThrow();
      // The test's given certificate goes (no config serves it now): the next https run makes a self-signed one.
      await sshRun(lab, lbOf(lab).name, 'rm -f /etc/haproxy/certs/site.pem /etc/haproxy/certs/site.pem.haforge-bak');
      await rerunUnchanged(lab, []);
    });
  });

  test('a stopped web server and an ENABLED=0 line: the start and the edit that run are the ones planned', async () => {
    await onEach(labs, async (lab) => {
      const [lb, web] = [lbOf(lab).name, websOf(lab)[0]!.name];
      await sshRun(lab, web, 'systemctl stop apache2');
      // The labs are shared with later files (recipes-converge expects Debian's stock file): put it back after.
      await sshRun(lab, lb, 'cp -p /etc/default/haproxy /etc/default/haproxy.e2e-orig && echo ENABLED=0 >> /etc/default/haproxy');
      try {
        const { report } = await provedUp(lab, dir!.dir);
        expect(withStatus(report, 'changed').sort()).toEqual([
          `${lb} haproxy-enable › ENABLED=1 in /etc/default/haproxy`,
          `${web} apache-install › service apache2 running and enabled`,
        ]);
        await allUp(lab);
        await rerunUnchanged(lab, []);
      } finally {
        await sshRun(lab, lb, 'mv -f /etc/default/haproxy.e2e-orig /etc/default/haproxy');
      }
    });
  });
});
