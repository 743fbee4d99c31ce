// The lab itself, end to end: every host of both e2e labs over SSH with haforge's own transport, then a small
// lab of this file's own for the life cycle (already up, crash leftovers, interrupted up, down leaves nothing).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadInventory } from '../../runner/inventory/index.js';
import { labDown, labExec, labStatus, labTraces, labUp, stateDir, type LabHost, type LabInfo } from '../../runner/lab/index.js';
import { connect, type ConnectOptions, type Remote } from '../../runner/transport/index.js';

const labs = inject('labs');
const skip = inject('labSkip');

function connectOpts(lab: LabInfo, host: LabHost, over: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    name: host.name,
    address: host.address,
    port: 22,
    user: 'root',
    auth: { kind: 'key', keyFile: lab.files.key },
    knownHostsFile: lab.files.knownHosts,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000,
    ...over,
  };
}

async function withRemote<T>(opts: ConnectOptions, fn: (r: Remote) => Promise<T>): Promise<T> {
  const r = await connect(opts);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

const sudoPassword = (lab: LabInfo) => readFileSync(lab.files.sudoPassword, 'utf8').trim();
const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';

if (skip) {
  test.skip(`e2e lab tests SKIPPED: ${skip}`, () => {});
}

for (const lab of labs) {
  describe(`lab ${lab.name} (Debian ${lab.suite})`, () => {
    const remotes = new Map<string, Remote>();
    const web = lab.hosts.filter((h) => h.group === 'web');

    // Files that ran before may have left apache2 on :80 (the order of files is vitest's): pause it for
    // lighttpd, and start it again at the end.
    const apacheWasRunning: string[] = [];
    beforeAll(async () => {
      for (const h of lab.hosts) remotes.set(h.name, await connect(connectOpts(lab, h)));
      for (const h of lab.hosts) {
        const r = await remotes.get(h.name)!.run('if service apache2 status >/dev/null 2>&1; then service apache2 stop >/dev/null && echo stopped; fi');
        if (r.stdout.includes('stopped')) apacheWasRunning.push(h.name);
      }
    });
    afterAll(async () => {
      // Other e2e files share these labs: leave no lighttpd holding port 80 where apache2 will go.
      await Promise.all(
        [...remotes.values()].map(async (r) => {
          const purge = await r.run(
            `service lighttpd stop >/dev/null 2>&1; ${APT_ENV} apt-get purge -y -q 'lighttpd*' && ${APT_ENV} apt-get autoremove --purge -y -q; ` +
              'rm -f /var/www/html/who.txt /var/www/html/index.lighttpd.html; rmdir /var/www/html /var/www 2>/dev/null; true',
            { timeoutMs: 120_000 },
          );
          expect(purge.code, purge.stderr).toBe(0);
        }),
      );
      for (const name of apacheWasRunning) await remotes.get(name)!.run('service apache2 start');
      await Promise.all([...remotes.values()].map((r) => r.close()));
    });
    const on = (host: string) => remotes.get(host)!;

    test('root logs in by key on every host, which knows its name and the others; each has its own machine ID', async () => {
      const ids = new Set<string>();
      for (const h of lab.hosts) {
        const r = await on(h.name).run('id -u; hostname; getent hosts web1 | cut -d" " -f1; cat /etc/machine-id');
        expect(r.code, r.stderr).toBe(0);
        const [uid, name, web1, id] = r.stdout.trim().split('\n');
        expect([uid, name, web1]).toEqual(['0', h.name, web[0].address]);
        if (lab.init === 'systemd') ids.add(id ?? '');
      }
      if (lab.init === 'systemd') expect(ids.size).toBe(lab.hosts.length);
    });

    test.runIf(lab.init === 'systemd')('systemd is PID 1 and the system is running, sshd started by its unit', async () => {
      for (const h of lab.hosts) {
        const r = await on(h.name).run('cat /proc/1/comm; systemctl is-system-running; systemctl is-active ssh; systemctl is-enabled ssh');
        expect(r.stdout.split('\n'), r.stderr).toEqual(['systemd', 'running', 'active', 'enabled', '']);
      }
    });

    test('the sudo user logs in by key; a wrong sudo password is refused, the right one works', async () => {
      await Promise.all(lab.hosts.map(async (h) => {
        // Wrong first: sudo caches a success, which would make a later wrong password pass.
        const wrong = await withRemote(connectOpts(lab, h, { user: lab.sudoUser, sudoPassword: 'not-the-password' }), (r) =>
          r.run('id -u').then(
            (res) => res,
            (e: unknown) => e as Error,
          ),
        );
        if (wrong instanceof Error) expect(wrong.message).toMatch(/sudo|password/i);
        else expect(wrong.code === 0 && wrong.stdout.trim() === '0').toBe(false);

        await withRemote(connectOpts(lab, h, { user: lab.sudoUser, sudoPassword: sudoPassword(lab) }), async (r) => {
          const plain = await r.run('id -un; id -Gn', { sudo: false });
          expect(plain.stdout.trim().split('\n')[0]).toBe(lab.sudoUser);
          expect(plain.stdout).toMatch(/\bsudo\b/);
          const root = await r.run('id -u');
          expect(root.code, root.stderr).toBe(0);
          expect(root.stdout.trim()).toBe('0');
        });
      }));
    });

    test('apt-get installs a package through the proxy; its service starts on install and with `service`', async () => {
      await Promise.all(
        lab.hosts.map(async (h) => {
          const r = on(h.name);
          // Bounded, so a hang fails with the host and the command instead of the file's timeout.
          const run = async (cmd: string, timeoutMs = 30_000) => {
            const res = await r.run(cmd, { timeoutMs });
            return { ...res, why: `${h.name}: ${cmd} -> ${res.code ?? res.signal}\n${res.stdout.slice(-500)}\n${res.stderr.slice(-500)}` };
          };
          const install = await run(`apt-get update -q && ${APT_ENV} apt-get install -y -q --no-install-recommends lighttpd`, 240_000);
          expect(install.code, install.why).toBe(0);
          // Started by the package's postinst (policy-rc.d exits 0 in the lab), as on a real Debian.
          const first = await run('service lighttpd status');
          expect(first.code, first.why).toBe(0);
          if (lab.init === 'systemd') {
            const unit = await run('systemctl is-active lighttpd; systemctl is-enabled lighttpd');
            expect(unit.stdout, unit.why).toBe('active\nenabled\n');
          }
          const stop = await run('service lighttpd stop');
          expect(stop.code, stop.why).toBe(0);
          expect((await run('service lighttpd status')).code).not.toBe(0);
          const start = await run('service lighttpd start');
          expect(start.code, start.why).toBe(0);
          const again = await run('service lighttpd status');
          expect(again.code, again.why).toBe(0);
          // A page naming the host, so a fetch proves which host answered.
          const page = await run(`echo ${h.name} > /var/www/html/who.txt`);
          expect(page.code, page.why).toBe(0);
        }),
      );
      // The packages came through the lab's proxy: its log names each host's address.
      const proxyLog = readFileSync(path.join(lab.stateDir, 'proxy', 'access.log'), 'utf8');
      for (const h of lab.hosts) expect(proxyLog).toContain(`|${h.address}|`);
    });

    test('web-to-web HTTP across the bridge', async () => {
      const [a, b] = [web[0], web[1] ?? lab.hosts[0]];
      for (const [from, to] of [
        [a, b],
        [b, a],
        [lab.hosts[0], a],
      ]) {
        // systemd's `start` of lighttpd (Type=simple) returns before the server binds port 80: give it up to 5 s.
        const r = await on(from.name).run(
          `for i in $(seq 50); do curl -sS --max-time 5 http://${to.name}/who.txt 2>/dev/null && exit 0; sleep 0.1; done; curl -sS --max-time 5 http://${to.name}/who.txt`,
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe(to.name);
      }
    });

    test('no route out, no DNS, and the proxy serves the Debian archive only', async () => {
      const r = on(web[0].name);
      const routes = await r.run('ip route');
      expect(routes.stdout).not.toMatch(/default/);
      // `ip route get` asks the kernel only: no packet leaves.
      expect((await r.run('ip route get 1.1.1.1')).code).not.toBe(0);
      expect((await r.run('cat /etc/resolv.conf')).stdout.trim()).toBe('');
      // A URL outside the archive (here another lab host, so nothing leaves the lab either way) is refused.
      const other = await r.run(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 -x ${lab.proxy.url} http://${lab.hosts[0].address}/who.txt`);
      expect(other.stdout).not.toBe('200');
    });

    test('labExec runs a command inside a host from the machine side', async () => {
      const r = await labExec(lab, web[0].name, 'hostname; tr "\\0" " " < /proc/1/cmdline; echo; id -u');
      expect(r.code, r.stderr).toBe(0);
      const [name, init, uid] = r.stdout.trim().split('\n');
      expect(name).toBe(web[0].name);
      expect(init).toMatch(lab.init === 'systemd' ? /systemd/ : /tini/);
      expect(uid).toBe('0');
      // Fault injection as tests will use it: stop a service from outside, see it stopped over SSH.
      expect((await labExec(lab, web[0].name, 'service lighttpd stop')).code).toBe(0);
      expect((await on(web[0].name).run('service lighttpd status')).code).not.toBe(0);
      expect((await labExec(lab, web[0].name, 'service lighttpd start')).code).toBe(0);
    });

    test("the lab's inventories load with haforge's own loader; secrets are private", () => {
      const inv = loadInventory(lab.files.inventory);
      expect(inv.hosts.map((h) => [h.name, h.address, h.user])).toEqual(lab.hosts.map((h) => [h.name, h.address, 'root']));
      expect(inv.groups.lb).toEqual(['lb1']);
      expect(inv.groups.web).toEqual(web.map((h) => h.name));
      const admin = loadInventory(lab.files.inventoryAdmin, { env: { HAFORGE_SUDO_PASSWORD: sudoPassword(lab) } });
      expect(admin.hosts.every((h) => h.user === lab.sudoUser && h.sudo)).toBe(true);
      expect(statSync(lab.files.key).mode & 0o777).toBe(0o600);
      expect(statSync(lab.files.sudoPassword).mode & 0o777).toBe(0o600);
    });

    test('status: up, every sshd answers', async () => {
      const s = await labStatus(lab.name);
      expect(s.state).toBe('up');
      expect(s.hosts.every((h) => h.running && h.sshd)).toBe(true);
    });
  });
}

/** A lab of this file's own, so breaking it disturbs no other test. */
describe.skipIf(!!skip)('life cycle of a small lab', () => {
  // From the e2e prefix, so two e2e runs on one machine do not share this lab either.
  const NAME = `${process.env.HAFORGE_E2E_PREFIX || 'hfe2e'}dn`;
  const seen = { pids: [] as number[], netns: [] as string[], links: [] as string[], state: '' };
  const log: string[] = [];
  // Two LBs: `--lb N` is proved here, where a lab is brought up anyway.
  const up = () => labUp({ name: NAME, lb: 2, web: 1, log: (l) => log.push(l) });

  afterAll(async () => {
    await labDown(NAME).catch(() => {});
  });

  function remember(lab: LabInfo) {
    seen.pids.push(lab.proxy.pid, ...lab.hosts.map((h) => h.pid));
    seen.netns.push(...lab.hosts.map((h) => h.netns));
    seen.links.push(lab.bridge, ...lab.hosts.map((h) => h.veth));
    seen.state = lab.stateDir;
  }

  test('up (warm) prints its time (bench:cluster owns the figure); up again says already up', async () => {
    await labDown(NAME); // a leftover from an aborted earlier run would spoil the timing
    const lab = await up();
    remember(lab);
    expect(lab.alreadyUp).toBe(false);
    expect(lab.hosts.map((h) => [h.name, h.group])).toEqual([['lb1', 'lb'], ['lb2', 'lb'], ['web1', 'web']]);
    console.log(`warm up of ${lab.hosts.length} hosts: ${lab.seconds.toFixed(2)} s`);
    // Both LBs answer SSH under their own names, and both are in groups.lb of the inventory.
    for (const h of lab.hosts.filter((x) => x.group === 'lb')) {
      const r = await withRemote(connectOpts(lab, h), (remote) => remote.run('hostname'));
      expect(r.stdout.trim()).toBe(h.name);
    }
    const inv = parseYaml(readFileSync(lab.files.inventory, 'utf8')) as { groups: { lb: { hosts: Record<string, unknown> } } };
    expect(Object.keys(inv.groups.lb.hosts)).toEqual(['lb1', 'lb2']);
    expect(readFileSync(lab.files.sshConfig, 'utf8')).toMatch(/Host lb2\n/);
    const again = await up();
    expect(again.alreadyUp).toBe(true);
    expect(again.subnet).toBe(lab.subnet);
  });

  test("the 2-LB lab's inventory loads with haforge's own loader: the LBs share a VIP, so no warning about it", () => {
    const inv = loadInventory(path.join(stateDir(NAME), 'inventory.yaml'));
    expect(inv.groups.lb).toEqual(['lb1', 'lb2']);
    expect(inv.vars.vip ?? inv.hosts.find((h) => h.name === 'lb1')!.vars.vip).toMatch(/^\d+\.\d+\.\d+\.250\/24$/);
    expect(inv.warnings.join('\n')).not.toContain('no shared address');
  });

  test('leftovers of a crashed lab are cleaned by the next up', async () => {
    const lab = (await labStatus(NAME)).info!;
    // A crash: the proxy dies, a host loses its unshare (its PID 1 lives on, known to no record), and
    // lab.json is lost, so the next run knows no PID at all.
    process.kill(lab.proxy.pid, 'SIGKILL');
    process.kill(lab.hosts[1].pid, 'SIGKILL');
    rmSync(path.join(lab.stateDir, 'lab.json'));
    expect((await labStatus(NAME)).state).toBe('broken');
    log.length = 0;
    const fresh = await up();
    remember(fresh);
    expect(fresh.alreadyUp).toBe(false);
    expect(log.join('\n')).toMatch(/leftovers/);
    expect((await labStatus(NAME)).state).toBe('up');
  });

  test('down leaves no namespace, link, mount, process or state; twice is fine', async () => {
    const t0 = Date.now();
    expect(await labDown(NAME)).toBe(true);
    const seconds = (Date.now() - t0) / 1000;
    console.log(`down: ${seconds.toFixed(2)} s`);
    await expectNothingLeft();
    expect(await labDown(NAME)).toBe(false);
  });

  test('an interrupted up (Ctrl-C) is cleaned by down', async () => {
    const cli = path.resolve('runner/lab/cli-dev.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'up', '--name', NAME, '--web', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Interrupt once something is made: the bridge and proxy exist, hosts are on their way.
    const proxyStarted = () => {
      try {
        return (JSON.parse(readFileSync(path.join(stateDir(NAME), 'lab.json'), 'utf8')) as LabInfo).proxy.pid > 0;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 1000 && !proxyStarted(); i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const code = await exited;
    expect(code === 130 || code === 0, output).toBe(true);
    if (code === 130) expect(output).toContain(`haforge lab down --name ${NAME}`);
    const info = (await labStatus(NAME)).info;
    if (info) remember(info);
    seen.state = stateDir(NAME);
    expect((await labTraces(NAME)).length).toBeGreaterThan(0);
    expect(await labDown(NAME)).toBe(true);
    await expectNothingLeft();
  });

  async function expectNothingLeft() {
    const { execFileSync } = await import('node:child_process');
    const netns = execFileSync('ip', ['netns', 'list']).toString();
    const links = execFileSync('ip', ['-o', 'link', 'show']).toString();
    const mounts = readFileSync('/proc/mounts', 'utf8');
    expect(netns).not.toMatch(new RegExp(`\\b${NAME}-`));
    for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd'])
      if (existsSync(root)) expect(readdirSync(root).filter((e) => e.startsWith(`haforge-${NAME}-`)), root).toEqual([]);
    expect(links).not.toMatch(new RegExp(`\\b${NAME}-`));
    expect(mounts).not.toContain(seen.state);
    for (const pid of seen.pids) if (pid) expect(alive(pid), `PID ${pid}`).toBe(false);
    expect(existsSync(seen.state)).toBe(false);
    expect(await labTraces(NAME)).toEqual([]);
  }
});

/** Alive and not a zombie (a zombie awaiting the machine's PID 1 is gone for our purposes). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}
