// Issue 20 slice 1 on the lab, Debian 12 (HAProxy 2.6) and 13 (HAProxy 3.0) at once: each TLS profile with HSTS
// is written, passes `haproxy -dW -c` on the installed version, and is proved from this machine by verify's own
// steps and by a handshake per protocol version here: below the floor refused, the rest accepted, h2 by ALPN.
// The same profile again changes nothing. The lab goes back to the default (HTTPS off) at the end.
import { afterAll, describe, expect, test } from 'vitest';
import type { LabInfo } from '../../runner/lab/index.js';
import { checkConfigClean, closeSsh, e2eLabs, lbOf, onEach, up } from '../support/e2e-lab.js';
import { withStatus } from '../support/haforge-cli.js';
import { probeTls } from '../../recipes/lib/tls-probe.js';
import { httpGet } from '../../recipes/lib/http.js';

const { labs, skip } = e2eLabs();
const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
const ACCEPTED = { old: [true, true, true, true], intermediate: [false, false, true, true], modern: [false, false, false, true] } as const;

async function probe(lab: LabInfo): Promise<boolean[]> {
  const out: boolean[] = [];
  for (const v of VERSIONS) {
    const r = await probeTls(lbOf(lab).address, 443, v);
    if (r.ok) expect(r.alpn, `${lab.name} ${v} ALPN`).toBe('h2');
    out.push(r.ok);
  }
  return out;
}

describe.skipIf(skip !== '')('TLS profile, HSTS and ALPN on the lab', () => {
  afterAll(async () => {
    await onEach(labs, (lab) => up(lab));
    await closeSsh();
  });

  test.each(['intermediate', 'modern', 'old'] as const)('%s', async (profile) => {
    await onEach(labs, async (lab) => {
      const flags = ['--https', '--tls-profile', profile, '--hsts', '31536000'];
      const first = await up(lab, flags);
      expect(withStatus(first, 'failed')).toEqual([]);
      const verified = first.results.filter((r) => r.recipe === 'verify' && r.step.startsWith(`TLS profile ${profile}:`));
      expect(verified.map((r) => r.status), `${lab.name}: verify's TLS step`).toEqual(['ok']);
      expect(first.results.some((r) => r.recipe === 'verify' && r.step.startsWith('HTTPS answers carry Strict-Transport-Security') && r.status === 'ok')).toBe(true);
      await checkConfigClean(lab);
      expect(await probe(lab), `${lab.name}: TLS 1.0, 1.1, 1.2, 1.3 accepted`).toEqual(ACCEPTED[profile]);
      const res = await httpGet(`https://${lbOf(lab).address}/`);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      const again = await up(lab, flags);
      expect(withStatus(again, 'changed'), `${lab.name}: second run`).toEqual([]);
    });
  });
});
