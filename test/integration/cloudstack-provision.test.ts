// Issue 19, item 4: `haforge cloud up` / `cloud down` through the real CLI against the fake management server:
// from nothing to tagged key pair, security group with its four rules, LB and web VMs; a second `up` creates
// nothing; a failure halfway leaves what was made tagged, the next `up` carries on; `down` destroys exactly what
// carries the cluster's tag (an untagged VM and another cluster's stay), after --yes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCloudStack } from '../support/cloudstack/server.js';
import { haforge } from '../support/haforge-cli.js';

const KEY = 'prov-key';
const SECRET = 'prov-secret-1a2b/+=';
let cs: FakeCloudStack;
const dir = mkdtempSync(join(tmpdir(), 'hf-cs-prov-'));
let env: Record<string, string>;

const inv = (name: string, provision: string, zone = 'zone1') => {
  const f = join(dir, name);
  writeFileSync(
    f,
    `source: cloudstack\ncloudstack:\n  allow_http: true\n  cluster: shop\n  zone: ${zone}\n  provision:\n${provision}\nssh: { user: root, key: ./id_test }\n`,
  );
  return f;
};
const good = '    template: debian-12\n    offering: small\n    network: net1\n    public_key: ./id_test.pub\n    lbs: 2\n    webs: 2\n    ssh_from: 192.0.2.0/24';

beforeAll(async () => {
  cs = new FakeCloudStack({ keys: { [KEY]: SECRET } });
  const endpoint = await cs.start();
  env = { CLOUDSTACK_ENDPOINT: endpoint, CLOUDSTACK_KEY: KEY, CLOUDSTACK_SECRET: SECRET, HOME: dir };
  writeFileSync(join(dir, 'id_test'), 'unused\n', { mode: 0o600 });
  writeFileSync(join(dir, 'id_test.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEexampleEXAMPLEexampleEXAMPLEexample test\n');
  cs.addVm('bystander', '10.9.9.9', { 'haforge:role': 'web' });
  cs.addVm('blog-web1', '10.9.9.8', { 'haforge:cluster': 'blog', 'haforge:role': 'web' });
});
afterAll(() => cs?.stop());

const shopVms = () => cs.vms.filter((v) => v.tags.some((t) => t.key === 'haforge:cluster' && t.value === 'shop')).map((v) => v.name).sort();

describe('haforge cloud up / down', () => {
  test('unknown names: exit 2 listing what exists, nothing created', async () => {
    const calls = cs.calls.length;
    const r = await haforge(['cloud', 'up', '-i', inv('bad.yaml', good.replace('debian-12', 'debian-13'))], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/bad\.yaml: cloudstack: unknown template "debian-13"; templates: debian-12$/);
    const zone = await haforge(['cloud', 'up', '-i', inv('zone.yaml', good, 'nowhere')], { env });
    expect(zone.stderr.trim()).toMatch(/unknown zone "nowhere"; zones: zone1$/);
    const net = await haforge(['cloud', 'up', '-i', inv('net.yaml', good.replace('net1', 'lan'))], { env });
    expect(net.stderr.trim()).toMatch(/unknown network "lan"; networks: net1$/);
    expect(cs.calls.slice(calls).filter((c) => !c.startsWith('list'))).toEqual([]);
    expect(cs.keypairs).toHaveLength(0);
    expect(`${r.stderr}${zone.stderr}${net.stderr}`).not.toContain(SECRET);
  });

  test('a failure halfway leaves tagged VMs; the next up carries on; a second up creates nothing', async () => {
    const f = inv('shop.yaml', good);
    cs.failDeployAfter = 1;
    const cut = await haforge(['cloud', 'up', '-i', f], { env });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/deployVirtualMachine: Unable to create a deployment for VM instance \(error 533\) \(what was made is tagged haforge:cluster=shop/);
    expect(shopVms()).toEqual(['shop-lb1']);
    cs.failDeployAfter = undefined;

    const up = await haforge(['cloud', 'up', '-i', f], { env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('exists  VM shop-lb1 (lb)');
    expect(up.stderr).toContain('created VM shop-web2 (web)');
    expect(shopVms()).toEqual(['shop-lb1', 'shop-lb2', 'shop-web1', 'shop-web2']);
    const sg = cs.securityGroups.find((g) => g.name === 'haforge-shop')!;
    expect(sg.tags).toContainEqual(expect.objectContaining({ key: 'haforge:cluster', value: 'shop' }));
    expect(sg.ingressrule.map((r) => `${String(r.protocol)} ${String(r.startport ?? '')} ${String(r.cidr ?? r.securitygroupname)}`)).toEqual([
      'tcp 22 192.0.2.0/24', 'tcp 80 0.0.0.0/0', 'tcp 443 0.0.0.0/0', '112  haforge-shop',
    ]);
    expect(cs.vms.find((v) => v.name === 'shop-web1')).toMatchObject({ keypair: 'haforge-shop', securitygroup: [{ name: 'haforge-shop' }] });

    const calls = cs.calls.length;
    const again = await haforge(['cloud', 'up', '-i', f], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('cloud up: 0 created, 10 already there');
    expect(cs.calls.slice(calls).filter((c) => !c.startsWith('list'))).toEqual([]);

    // The inventory of the result: the same file, read as source: cloudstack.
    const listed = JSON.parse((await haforge(['inventory', '-i', f, '--json'], { env })).stdout) as Record<string, { hosts?: string[] }>;
    expect(listed.lb?.hosts).toEqual(['shop-lb1', 'shop-lb2']);
    expect(listed.web?.hosts).toEqual(['shop-web1', 'shop-web2']);
  });

  test('down: refused unattended without --yes; with it, exactly what carries the tag goes', async () => {
    const f = join(dir, 'shop.yaml');
    const refused = await haforge(['cloud', 'down', '-i', f], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cloud down would destroy VM shop-lb1, .*security group haforge-shop; pass --yes to confirm/);
    expect(shopVms()).toHaveLength(4);
    const down = await haforge(['cloud', 'down', '-i', f, '--yes'], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(shopVms()).toEqual([]);
    expect(cs.securityGroups).toEqual([]);
    expect(cs.vms.map((v) => v.name).sort()).toEqual(['blog-web1', 'bystander']);
    const twice = await haforge(['cloud', 'down', '-i', f, '--yes'], { env });
    expect(twice.stderr).toContain('cloud down: nothing carries haforge:cluster=shop');
  });
});
