// Lower (a) of issue 21: secrets inside error text. apt and haproxy echo the line they choke on; when that line
// holds a password (a proxy URL with credentials, a userlist line, a crypt hash) it is masked before any output,
// even when haforge was never told it is a secret. Registered secrets are masked as before.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { Redactor } from '../../runner/report/redact.js';
import { createLiveView } from '../../runner/report/live.js';
import { jsonReport } from '../../runner/report/json.js';
import type { StepResult } from '../../runner/engine/types.js';

const HASH = '$6$Zq1salt$' + 'x'.repeat(86);
const aptErr = "E: Failed to fetch http://ops:Pr0xy-Secret@10.0.0.9:3142/debian/dists/bookworm/InRelease  407  Proxy Authentication Required";
const haproxyErr = `[ALERT]    (1) : config : parsing [/etc/haproxy/haproxy.cfg:12] : 'user admin password ${HASH} extra' : unknown keyword 'extra'`;

describe('Redactor: patterns that always hold a secret', () => {
  const r = new Redactor();
  test('credentials in a URL', () => {
    expect(r.redact(aptErr)).toBe('E: Failed to fetch http://ops:********@10.0.0.9:3142/debian/dists/bookworm/InRelease  407  Proxy Authentication Required');
  });
  test('a haproxy userlist line and a crypt hash', () => {
    const out = r.redact(haproxyErr);
    expect(out).toContain("'user admin password ******** extra'");
    expect(out).not.toContain('Zq1salt');
    expect(r.redact(`hash ${HASH} here`)).toBe('hash ******** here');
  });
  test('password=... and password: ... settings', () => {
    expect(r.redact('Acquire::ftp::Password=hunter22 failed')).toBe('Acquire::ftp::Password=******** failed');
    expect(r.redact('stats auth admin:x; password: letmein99')).toBe('stats auth admin:x; password: ********');
  });
  test('ordinary messages are left alone', () => {
    for (const s of ['wrong SSH password for lb1 (root@10.0.0.1:22)', 'sudo: a password is required', 'see https://example.org/a:b']) expect(r.redact(s)).toBe(s);
  });
});

describe('every output path redacts step errors', () => {
  afterEach(() => vi.restoreAllMocks());
  const failed: StepResult = { host: 'lb1', recipe: 'system-update', step: 'apt', status: 'failed', durationMs: 5, message: `apt failed: ${aptErr} ${HASH}` };

  test('--json', () => {
    const r = new Redactor();
    const json = JSON.stringify(r.redactDeep(jsonReport('up', { results: [failed], hosts: [], interrupted: false }, { dryRun: false, exitCode: 1, durationMs: 1, error: aptErr })));
    expect(json).not.toMatch(/Pr0xy-Secret|Zq1salt/);
  });

  test('the line view', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    const view = createLiveView(['lb1'], 'lines', { verbose: true, redactor: new Redactor() });
    view.events.stepEnd?.(failed);
    view.events.command?.('lb1', `apt-get -o Acquire::http::Proxy=http://ops:Pr0xy-Secret@10.0.0.9:3142 update`);
    vi.restoreAllMocks();
    expect(out.join('')).toContain('apt failed');
    expect(out.join('')).not.toMatch(/Pr0xy-Secret|Zq1salt/);
  });
});
