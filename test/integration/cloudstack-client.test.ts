// Issue 19, items 1 and 5: haforge's CloudStack client against the fake management server (test/support/cloudstack),
// which checks signatures and expiry as CloudStack does. The reference vectors pass through the server replica too.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CloudStackClient } from '../../runner/cloud/cloudstack/client.js';
import { isCloudStackError } from '../../runner/cloud/cloudstack/errors.js';
import { FakeCloudStack, ApiError } from '../support/cloudstack/server.js';
import { verifyRequest } from '../support/cloudstack/verify.js';
import vectors from '../fixtures/cloudstack-vectors.json' with { type: 'json' };

const KEY = 'test-api-key';
const SECRET = 'test-secret/+=~*';
let cs: FakeCloudStack;
let endpoint: string;

beforeAll(async () => {
  cs = new FakeCloudStack({
    keys: { [KEY]: SECRET },
    pendingPolls: 2,
    commands: {
      deployVirtualMachine: (p, s) => {
        if (p.get('zoneid') !== 'zone-1') throw new ApiError(431, 4350, `Unable to find zone by id ${p.get('zoneid')}`);
        const vm = s.addVm(p.get('name') ?? 'vm', '10.9.0.5');
        return { job: { key: 'virtualmachine', value: vm } };
      },
      destroyVirtualMachine: () => ({ job: { code: 536, text: 'VM is in use\nsecond line' } }),
      // A job that stays pending, for the client's time limit.
      expungeVirtualMachine: () => ({ job: { key: 'virtualmachine', value: {}, pendingPolls: Infinity } }),
    },
  });
  endpoint = await cs.start();
  for (let i = 0; i < 1203; i++) cs.addVm(`vm${i}`, `10.1.${i >> 8}.${i & 255}`, i % 3 === 0 ? { 'haforge:role': 'lb' } : { 'haforge:role': 'web' });
});
afterAll(() => cs?.stop());

const client = (over: Partial<ConstructorParameters<typeof CloudStackClient>[0]> = {}) =>
  new CloudStackClient({ endpoint, apiKey: KEY, secretKey: SECRET, allowHttp: true, ...over });

async function failure(p: Promise<unknown>): Promise<{ kind: string; message: string; code?: number }> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isCloudStackError(e)) throw new Error(`expected a CloudStackError, got ${String(e)}`);
  return { kind: e.kind, message: e.message, code: e.code };
}

describe('the fake server verifies like CloudStack', () => {
  const secrets = new Map(vectors.vectors.map((v) => [v.apiKey, v.secretKey]));
  const before = Date.parse('2030-01-01T00:00:00Z');
  for (const v of vectors.vectors) {
    test(`vector: ${v.description}`, () => {
      expect(verifyRequest(v.expectedQuery, secrets, before).ok).toBe(true);
      expect(verifyRequest(v.csWireQuery, secrets, before).ok).toBe(v.serverAcceptsCsWireQuery);
      const cmk = (v as { csAndCmkSignature?: string }).csAndCmkSignature;
      if (cmk) expect(verifyRequest(v.expectedQuery.replace(/signature=[^&]*/, `signature=${encodeURIComponent(cmk)}`), secrets, before).ok).toBe(false);
      // Years later the same request has expired.
      expect(verifyRequest(v.expectedQuery, secrets, Date.parse('2040-01-01T00:00:00Z'))).toEqual({ ok: false, why: 'expired' });
    });
  }
});

describe('CloudStackClient', () => {
  test('a list is read page by page (500 each) until count: 1203 VMs, 3 calls', async () => {
    const n = cs.calls.length;
    const vms = await client().list<{ name: string }>('listVirtualMachines', 'virtualmachine', { listall: 'true' });
    expect(vms).toHaveLength(1203);
    expect(new Set(vms.map((v) => v.name)).size).toBe(1203);
    expect(cs.calls.length - n).toBe(3);
  });

  test('tag filters are signed like any parameter; an empty list is {}', async () => {
    const lbs = await client().list('listVirtualMachines', 'virtualmachine', { 'tags[0].key': 'haforge:role', 'tags[0].value': 'lb' });
    expect(lbs).toHaveLength(401);
    expect(await client().list('listVirtualMachines', 'virtualmachine', { 'tags[0].key': 'haforge:role', 'tags[0].value': 'none' })).toEqual([]);
  });

  test('an async job is polled until done', async () => {
    const r = await client().job('deployVirtualMachine', { zoneid: 'zone-1', name: 'new1' }, { pollMs: 10 });
    expect((r.virtualmachine as { name: string }).name).toBe('new1');
  });

  test('a failing job: its own error code and first line', async () => {
    expect(await failure(client().job('destroyVirtualMachine', { id: 'x' }, { pollMs: 10 }))).toEqual({ kind: 'job', message: 'destroyVirtualMachine: VM is in use (error 536)', code: 536 });
  });

  test('a job that does not finish in time', async () => {
    const f = await failure(client().job('expungeVirtualMachine', { id: 'x' }, { pollMs: 20, timeoutMs: 100 }));
    expect(f.kind).toBe('timeout');
    expect(f.message).toMatch(/^expungeVirtualMachine: job [0-9a-f-]+ not done after \d+ s$/);
  });

  test('a parameter error: CloudStack\'s text and code', async () => {
    expect(await failure(client().job('deployVirtualMachine', { zoneid: 'nowhere' }))).toEqual({ kind: 'api', message: 'deployVirtualMachine: Unable to find zone by id nowhere (error 431)', code: 431 });
    expect(await failure(client().call('noSuchCommand'))).toMatchObject({ code: 432 });
  });

  test('a wrong secret or a clock far behind: 401, with what to check, and no secret in the message', async () => {
    const wrong = await failure(client({ secretKey: 'not-the-secret' }).call('listZones'));
    expect(wrong).toEqual({ kind: 'auth', code: 401, message: "listZones: CloudStack refused the request signature or the API key: check the key and secret, and this machine's clock" });
    const late = await failure(client({ now: () => new Date(Date.now() - 3_600_000) }).call('listZones'));
    expect(late.kind).toBe('auth');
    expect(JSON.stringify([wrong, late])).not.toContain(SECRET);
  });

  test('plain http is refused unless allowed; a bad URL is named', () => {
    expect(() => new CloudStackClient({ endpoint, apiKey: KEY, secretKey: SECRET })).toThrow(/is plain http: use https, or set allow_http: true/);
    expect(() => new CloudStackClient({ endpoint: 'cloud', apiKey: KEY, secretKey: SECRET })).toThrow('the CloudStack endpoint "cloud" is not a URL');
  });

  test('an endpoint that refuses, and one that never answers', async () => {
    const closed = await new Promise<number>((ok) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => ok(p)); }); });
    expect(await failure(client({ endpoint: `http://127.0.0.1:${closed}/client/api` }).call('listZones'))).toEqual({ kind: 'unreachable', message: `listZones: cannot reach http://127.0.0.1:${closed}: connection refused`, code: undefined });
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    try {
      const port = (silent.address() as { port: number }).port;
      expect(await failure(client({ endpoint: `http://127.0.0.1:${port}/client/api`, timeoutMs: 200 }).call('listZones'))).toMatchObject({ kind: 'timeout', message: `listZones: http://127.0.0.1:${port} did not answer within 0.2 s` });
    } finally {
      silent.close();
    }
  });
});
