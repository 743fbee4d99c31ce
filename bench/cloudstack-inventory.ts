// `npm run bench:cloudstack`: a `source: cloudstack` inventory of 500 VMs (and 2000, to see how it grows) through
// the fake management server (signed, paged 500 a page), resolved in-process and by the whole CLI
// (`haforge inventory --json`, node start included). Issue 19 asks for 500 VMs in under 1 s; printed, not asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudStackClient } from '../runner/cloud/cloudstack/client.js';
import { resolveCloudStackHosts } from '../runner/cloud/cloudstack/inventory.js';
import { FakeCloudStack } from '../test/support/cloudstack/server.js';
import { markdownTable, median } from './stats.js';

const run = promisify(execFile);
const REPS = 5;
const dir = mkdtempSync(join(tmpdir(), 'hf-bench-cs-'));
writeFileSync(join(dir, 'id'), 'unused\n', { mode: 0o600 });
const file = join(dir, 'inv.yaml');
writeFileSync(file, 'source: cloudstack\ncloudstack: { allow_http: true }\nssh: { user: root, key: ./id }\n');

const rows: string[][] = [];
for (const n of [500, 2000]) {
  const cs = new FakeCloudStack({ keys: { k: 's' } });
  const endpoint = await cs.start();
  for (let i = 0; i < n; i++) cs.addVm(`vm${i}`, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, { 'haforge:role': i < 2 ? 'lb' : 'web' });
  const client = new CloudStackClient({ endpoint, apiKey: 'k', secretKey: 's', allowHttp: true });
  const inproc: number[] = [];
  const cli: number[] = [];
  let calls = 0;
  for (let r = 0; r < REPS; r++) {
    const c0 = cs.calls.length;
    let t = performance.now();
    const got = await resolveCloudStackHosts({ source: 'cloudstack' }, client);
    inproc.push(performance.now() - t);
    calls = cs.calls.length - c0;
    if (Object.keys(got.facts).length !== n) throw new Error(`resolved ${Object.keys(got.facts).length} of ${n}`);
    t = performance.now();
    const out = await run(process.execPath, ['bin/haforge.mjs', 'inventory', '-i', file, '--json'], {
      env: { ...process.env, CLOUDSTACK_ENDPOINT: endpoint, CLOUDSTACK_KEY: 'k', CLOUDSTACK_SECRET: 's' }, maxBuffer: 64 << 20,
    });
    cli.push(performance.now() - t);
    if (Object.keys((JSON.parse(out.stdout) as { _meta: { hostvars: object } })._meta.hostvars).length !== n) throw new Error('CLI listed the wrong count');
  }
  await cs.stop();
  const a = median(inproc);
  const b = median(cli);
  rows.push([String(n), String(calls), `${a.toFixed(0)} ms`, `${b.toFixed(0)} ms`, `${(b / a).toFixed(1)}x`]);
}
process.stdout.write(`${markdownTable(['VMs', 'API calls', 'resolve (in-process), median', 'haforge inventory --json (CLI), median', 'CLI / in-process'], rows)}\n`);
