// A replica of how the CloudStack management server checks a request (ApiServlet.utf8Fixup + ApiServer
// .verifyRequest), written from the server's rules and NOT with haforge's signer, so a client bug cannot hide:
// decode the query (`+` is a space, last duplicate wins), drop `signature`, sort the names, re-encode each value
// byte by byte as java.net.URLEncoder does, lowercase, HMAC-SHA1, compare with the decoded signature; with
// signatureVersion=3, `expires` must parse and not be past.
import { createHmac, timingSafeEqual } from 'node:crypto';

const JAVA_SAFE = /^[A-Za-z0-9.\-*_]$/;

function javaUrlEncode(v: string): string {
  let out = '';
  for (const byte of Buffer.from(v, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && JAVA_SAFE.test(c) ? c : byte === 0x20 ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.replace(/\+/g, '%20');
}

export function decodeQuery(query: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of query.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    m.set(dec(i < 0 ? part : part.slice(0, i)), dec(i < 0 ? '' : part.slice(i + 1)));
  }
  return m;
}

/** `2030-01-01T00:10:00+0000`, or ISO forms with `+00:00` / `Z` and fractions (newer DateUtil). */
function parseExpires(s: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)$/.exec(s);
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const t = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

export type Verdict = { ok: true; params: Map<string, string> } | { ok: false; why: string };

export function verifyRequest(query: string, secrets: ReadonlyMap<string, string>, now: number): Verdict {
  const params = decodeQuery(query);
  const apiKey = params.get('apiKey');
  const given = params.get('signature');
  const secret = apiKey === undefined ? undefined : secrets.get(apiKey);
  if (!apiKey || !given || !secret) return { ok: false, why: 'no such API key, or no signature' };
  if (params.get('signatureVersion') === '3') {
    const expires = params.get('expires');
    const t = expires === undefined ? undefined : parseExpires(expires);
    if (t === undefined) return { ok: false, why: 'expires missing or malformed' };
    if (t < now) return { ok: false, why: 'expired' };
  }
  const names = [...params.keys()].filter((k) => k !== 'signature').sort();
  const sts = names.map((k) => `${k}=${javaUrlEncode(params.get(k)!)}`).join('&').toLowerCase();
  const want = Buffer.from(createHmac('sha1', secret).update(sts).digest('base64'));
  const got = Buffer.from(given);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, why: 'signature mismatch' };
  return { ok: true, params };
}
