// verify's proof of the TLS profile, made from this machine against each LB: every protocol version below the
// profile's floor refused, every one from it up accepted, HTTP/2 agreed by ALPN; and the HSTS header when set.
import type { HostContext, Step } from '../runner/engine/types.js';
import { StepError } from '../runner/engine/types.js';
import { httpGet } from './lib/http.js';
import { probeTls, type TlsVersion } from './lib/tls-probe.js';
import { TLS_MIN_VERSION } from './templates/haproxy-cfg/tls.js';
import type { TlsProfile } from './templates/haproxy-cfg.js';
import { opt } from './options.js';

const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const short = (v: string) => v.replace('TLSv1', '1').replace(/^1$/, '1.0');

function skipDry(h: HostContext) {
  return h.dryRun ? ({ state: 'skip', reason: 'dry run: `haforge verify` checks the cluster as it is' } as const) : undefined;
}

function profileStep(h: HostContext): Step {
  const profile = opt<TlsProfile>(h, 'tls_profile');
  const floor = VERSIONS.indexOf(TLS_MIN_VERSION[profile]);
  return {
    name: `TLS profile ${profile}: TLS ${VERSIONS.map((v, i) => `${short(v)} ${i < floor ? 'refused' : 'accepted'}`).join(', ')}; h2 by ALPN`,
    async check(host) {
      const dry = skipDry(host);
      if (dry) return dry;
      const port = opt<number>(host, 'https_port');
      const seen: string[] = [];
      const wrong: string[] = [];
      let alpn: string | false | undefined;
      for (const [i, v] of VERSIONS.entries()) {
        const r = await probeTls(host.spec.address, port, v);
        const expected = i >= floor;
        if (r.ok) alpn = alpn === 'h2' ? alpn : r.alpn;
        seen.push(`${short(v)} ${r.ok ? `ok (${r.cipher ?? '?'})` : 'refused'}`);
        if (r.ok !== expected) wrong.push(`TLS ${short(v)} ${r.ok ? 'was accepted' : `was refused (${r.error ?? '?'})`}`);
      }
      if (wrong.length) throw new StepError(`TLS profile ${profile} not in force on ${host.spec.address}:${String(port)}: ${wrong.join('; ')}`);
      if (alpn !== 'h2') throw new StepError(`ALPN agreed on ${alpn === false || alpn === undefined ? 'nothing' : alpn}, expected h2`);
      return { state: 'ok', note: `${seen.join(', ')}; ALPN h2` };
    },
  };
}

function hstsStep(h: HostContext): Step {
  const seconds = opt<number>(h, 'hsts');
  return {
    name: `HTTPS answers carry Strict-Transport-Security max-age=${String(seconds)}`,
    async check(host) {
      const dry = skipDry(host);
      if (dry) return dry;
      const a = host.spec.address.includes(':') ? `[${host.spec.address}]` : host.spec.address;
      const res = await httpGet(`https://${a}:${String(opt<number>(host, 'https_port'))}/`);
      const got = String(res.headers['strict-transport-security'] ?? '');
      if (got !== `max-age=${String(seconds)}`) throw new StepError(`Strict-Transport-Security was ${got ? JSON.stringify(got) : 'absent'}, expected "max-age=${String(seconds)}"`);
      return { state: 'ok', note: got };
    },
  };
}

/** The TLS checks for an LB that serves HTTPS. */
export function tlsChecks(h: HostContext): Step[] {
  if (!opt<boolean>(h, 'https')) return [];
  return opt<number>(h, 'hsts') > 0 ? [profileStep(h), hstsStep(h)] : [profileStep(h)];
}
