// Issue 19, items 2 and 3: `source: cloudstack` through the real CLI against the fake management server (which
// checks every signature): `haforge inventory --json` in ansible-inventory --list's shape, the group rules, which
// address, and the bad-input cases, each exit 2 with one line and the secret in no output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCloudStack } from '../support/cloudstack/server.js';
import { haforge } from '../support/haforge-cli.js';

const KEY = 'inv-api-key';
const SECRET = 'inv-secret-9f8e7d/+=';
let cs: FakeCloudStack;
let endpoint: string;
const dir = mkdtempSync(join(tmpdir(), 'hf-cs-inv-'));
const env = () => ({ CLOUDSTACK_ENDPOINT: endpoint, CLOUDSTACK_KEY: KEY, CLOUDSTACK_SECRET: SECRET, HOME: dir });

beforeAll(async () => {
  cs = new FakeCloudStack({ keys: { [KEY]: SECRET } });
  cs.zones.push({ id: 'zone-2', name: 'zone2', networktype: 'Basic' });
  cs.projects.push({ id: 'proj-1', name: 'shop' });
  endpoint = await cs.start();
  writeFileSync(join(dir, 'id_test'), 'not read: the inventory command connects to no host\n', { mode: 0o600 });
  const c = { 'haforge:cluster': 'shop' };
  cs.addVm('lb1', '10.1.0.10', { ...c, 'haforge:role': 'lb' }, { publicip: '198.51.100.10' });
  cs.addVm('lb2', '10.1.0.11', { ...c, 'haforge:role': 'lb' }, { publicip: '198.51.100.11' });
  for (let i = 1; i <= 3; i++) cs.addVm(`web${i}`, `10.1.0.${20 + i}`, { ...c, 'haforge:role': 'web' });
  cs.addVm('web4', '10.1.0.24', { ...c, 'haforge:role': 'web' }, { state: 'Stopped' });
  cs.addVm('other-web', '10.2.0.5', { 'haforge:cluster': 'blog', 'haforge:role': 'web' });
  const twoNics = cs.addVm('db1', '10.1.0.30', { role: 'db' });
  twoNics.nic.push({ id: 'nic-b', networkid: 'net-2', networkname: 'backend', ipaddress: '172.16.0.30', isdefault: false });
  cs.addVm('z2web', '10.3.0.5', { 'haforge:role': 'web' }, { zoneid: 'zone-2', zonename: 'zone2' });
  cs.addVm('pweb', '10.4.0.5', { 'haforge:role': 'web' }, { projectid: 'proj-1', project: 'shop' });
});
afterAll(() => cs?.stop());

function inventory(name: string, yaml: string): string {
  const f = join(dir, name);
  writeFileSync(f, yaml);
  return f;
}

const head = (block: string) => `source: cloudstack\ncloudstack:\n  allow_http: true\n${block}\nssh: { user: root, key: ./id_test }\n`;

async function listed(file: string, e: Record<string, string> = env()) {
  const r = await haforge(['inventory', '-i', file, '--json'], { env: e });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
}

async function refused(file: string, e: Record<string, string | undefined> = env()): Promise<string> {
  const r = await haforge(['inventory', '-i', file], { env: e });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toContain(SECRET);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  return r.stderr.trim();
}

describe('source: cloudstack', () => {
  test('haforge:role tags make lb and web; the cluster tag, the zone and Running narrow it; ansible-inventory --list shape', async () => {
    const f = inventory('shop.yaml', head('  cluster: shop\n  zone: zone1'));
    const out = await listed(f);
    expect(out.lb?.hosts).toEqual(['lb1', 'lb2']);
    expect(out.web?.hosts).toEqual(['web1', 'web2', 'web3']);
    expect(out.all?.children).toEqual(['ungrouped', 'lb', 'web']);
    expect(out._meta.hostvars.web2).toMatchObject({
      ansible_host: '10.1.0.22', ansible_port: 22, ansible_user: 'root', v4_default_ip: '10.1.0.22', zone: 'zone1', state: 'Running',
      template: 'debian-12', service_offering: 'small', networks: ['net1'], tags: { 'haforge:cluster': 'shop', 'haforge:role': 'web' },
    });
    expect(out._meta.hostvars.lb1).toMatchObject({ v4_public_ip: '198.51.100.10', ansible_host: '10.1.0.10' });
    // The stopped VM is left out with a warning (shown without --json).
    const plain = await haforge(['inventory', '-i', f], { env: env() });
    expect(plain.stderr).toContain('cloudstack: VM web4 (web) is Stopped, not Running: left out');
    expect(plain.stdout).toContain('web\tweb3\troot@10.1.0.23:22');
  });

  test('public addresses, name globs, a NIC chosen by network, the file\'s own host settings over the cloud\'s', async () => {
    const f = inventory(
      'globs.yaml',
      `${head('  cluster: shop\n  address: public\n  groups:\n    lb: { names: ["lb*"] }')}groups:\n  lb:\n    vars: { vip: 10.1.0.250/24 }\n    hosts:\n      lb2: { port: 2222 }\n  web:\n    hosts:\n      static1: { address: 192.0.2.5 }\n`,
    );
    const out = await listed(f);
    expect(out.lb?.hosts).toEqual(['lb1', 'lb2']);
    expect(out._meta.hostvars.lb1).toMatchObject({ ansible_host: '198.51.100.10', vip: '10.1.0.250/24' });
    expect(out._meta.hostvars.lb2).toMatchObject({ ansible_host: '198.51.100.11', ansible_port: 2222 });
    expect(out.web?.hosts).toEqual(['static1']);
    const nic = inventory('nic.yaml', `${head('  network: backend\n  groups:\n    lb: { tags: { role: db } }')}groups:\n  web:\n    hosts:\n      static1: { address: 192.0.2.5 }\n`);
    expect((await listed(nic))._meta.hostvars.db1).toMatchObject({ ansible_host: '172.16.0.30', v4_default_ip: '10.1.0.30' });
  });

  test('a project by name; without one, project VMs are not listed (as CloudStack does)', async () => {
    const f = inventory('proj.yaml', `${head('  project: shop')}groups:\n  lb:\n    hosts:\n      lbx: { address: 192.0.2.9 }\n`);
    expect((await listed(f)).web?.hosts).toEqual(['pweb']);
    const all = await listed(inventory('all.yaml', head('')));
    expect(all.web?.hosts).not.toContain('pweb');
    expect(all.web?.hosts).toContain('z2web');
  });

  test('bad input: exit 2, one line naming file and field; no API call before the shape is right', async () => {
    const calls = cs.calls.length;
    expect(await refused(inventory('typo.yaml', head('  zon: zone1')))).toMatch(/typo\.yaml: cloudstack\.zon: unknown key; did you mean `zone`\?$/);
    expect(await refused(inventory('addr.yaml', head('  address: elastic')))).toMatch(/addr\.yaml: cloudstack\.address: expected private or public, found "elastic"$/);
    expect(await refused(inventory('nosrc.yaml', 'cloudstack: { zone: zone1 }\ngroups: {}\n'))).toMatch(/nosrc\.yaml: cloudstack: read only with source: cloudstack/);
    expect(cs.calls.length).toBe(calls);
    expect(await refused(inventory('zone.yaml', head('  zone: zone9')))).toMatch(/zone\.yaml: cloudstack: unknown zone "zone9"; zones: zone1, zone2$/);
    expect(await refused(inventory('proj2.yaml', head('  project: blog')))).toMatch(/unknown project "blog"; projects: shop$/);
    expect(await refused(inventory('pub.yaml', head('  address: public')))).toMatch(/cloudstack: VM web1 has no public IP \(static NAT\)/);
  });

  test('credentials and endpoint: missing, rejected, plain http, not answering', async () => {
    const f = inventory('ok.yaml', head('  cluster: shop'));
    expect(await refused(f, { HOME: dir, CLOUDSTACK_ENDPOINT: undefined, CLOUDSTACK_KEY: undefined, CLOUDSTACK_SECRET: undefined })).toMatch(
      /ok\.yaml: cloudstack: no CloudStack credentials: set CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET/,
    );
    expect(await refused(f, { ...env(), CLOUDSTACK_SECRET: 'wrong-secret' })).toMatch(/CloudStack refused the request signature or the API key: check the key and secret, and this machine's clock/);
    expect(await refused(inventory('http.yaml', 'source: cloudstack\ngroups: {}\n'))).toMatch(/is plain http: use https, or set allow_http: true/);
    const closed = endpoint.replace(/:\d+\//, ':1/');
    expect(await refused(f, { ...env(), CLOUDSTACK_ENDPOINT: closed })).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1: connection refused$/);
    // A profile of ~/.cloudstack.ini serves the same.
    writeFileSync(join(dir, '.cloudstack.ini'), `[shop]\nendpoint = ${endpoint}\nkey = ${KEY}\nsecret = ${SECRET}\n`);
    const prof = inventory('prof.yaml', head('  cluster: shop\n  profile: shop'));
    expect((await listed(prof, { HOME: dir }))).toHaveProperty('lb.hosts', ['lb1', 'lb2']);
  });
});
