// Issue 19, item 1: TLS is always verified; a management server whose certificate a private CA signed is trusted
// only through cloudstack.ca_file (the client's `ca`). The server's self-signed certificate is its own CA here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CloudStackClient } from '../../runner/cloud/cloudstack/client.js';
import { makeSelfSignedPem } from '../../recipes/lib/self-signed.js';
import { FakeCloudStack } from '../support/cloudstack/server.js';
import { haforge } from '../support/haforge-cli.js';

let cs: FakeCloudStack;
let endpoint: string;
let ca: string;
const dir = mkdtempSync(join(tmpdir(), 'hf-cs-tls-'));

beforeAll(async () => {
  const pem = await makeSelfSignedPem('127.0.0.1', []);
  ca = pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length);
  const key = pem.slice(pem.indexOf('-----BEGIN', ca.length));
  cs = new FakeCloudStack({ keys: { k: 's' }, tls: { cert: ca, key } });
  endpoint = await cs.start();
  cs.addVm('lb1', '10.1.0.10', { 'haforge:role': 'lb' });
  cs.addVm('web1', '10.1.0.11', { 'haforge:role': 'web' });
  writeFileSync(join(dir, 'ca.pem'), ca);
  writeFileSync(join(dir, 'id'), 'unused\n', { mode: 0o600 });
});
afterAll(() => cs?.stop());

describe('CloudStack over https with a private CA', () => {
  test('refused without the CA (naming ca_file), served with it', async () => {
    expect(endpoint).toMatch(/^https:/);
    const bare = new CloudStackClient({ endpoint, apiKey: 'k', secretKey: 's' });
    await expect(bare.list('listZones', 'zone')).rejects.toThrow(/cannot reach https:\/\/127\.0\.0\.1:\d+: DEPTH_ZERO_SELF_SIGNED_CERT \(a private CA\? set cloudstack\.ca_file\)/);
    const trusting = new CloudStackClient({ endpoint, apiKey: 'k', secretKey: 's', ca });
    expect(await trusting.list('listZones', 'zone')).toHaveLength(1);
  });

  test('the CLI: cloudstack.ca_file relative to the inventory', async () => {
    const env = { CLOUDSTACK_ENDPOINT: endpoint, CLOUDSTACK_KEY: 'k', CLOUDSTACK_SECRET: 's', HOME: dir };
    writeFileSync(join(dir, 'with.yaml'), 'source: cloudstack\ncloudstack: { ca_file: ./ca.pem }\nssh: { user: root, key: ./id }\n');
    writeFileSync(join(dir, 'without.yaml'), 'source: cloudstack\nssh: { user: root, key: ./id }\n');
    const ok = await haforge(['inventory', '-i', join(dir, 'with.yaml'), '--json'], { env });
    expect(ok.code, ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveProperty('web.hosts', ['web1']);
    const no = await haforge(['inventory', '-i', join(dir, 'without.yaml')], { env });
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/without\.yaml: cloudstack: listVirtualMachines: cannot reach .*set cloudstack\.ca_file\)$/m);
  });
});
