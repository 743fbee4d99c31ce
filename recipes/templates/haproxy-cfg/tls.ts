// HTTPS: the global TLS settings (Mozilla's server-side TLS profiles), and the web listen's certificate bind with
// ALPN, redirect, HSTS and X-Forwarded-Proto.
import { cfgWord as w } from '../haproxy-word.js';
import { hostPort } from './checks.js';
import type { Resolved, TlsProfile } from './input.js';

// Mozilla's server-side TLS guidelines 5.7 (ssl-config.mozilla.org, "haproxy", OpenSSL 3): the same strings its
// generator gives for HAProxy 2.6 and 3.0. DHE suites apply only to an RSA certificate; with HAProxy's built-in
// ffdhe2048 group they need no dh-param file (haproxy -dW -c passes on 2.6 and 3.0).
const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
const INTERMEDIATE_CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305';
// "old" adds CBC and non-forward-secret suites for TLS 1.0/1.1 clients. OpenSSL 3's default security level 2
// refuses TLS < 1.2 and SHA-1 signatures, so the list ends with @SECLEVEL=0, as Mozilla's generator does.
const OLD_CIPHERS =
  `${INTERMEDIATE_CIPHERS}:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:` +
  'ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:' +
  'AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA:@SECLEVEL=0';

/** The protocol floor of each profile: what verify expects to be refused below it. */
export const TLS_MIN_VERSION: Record<TlsProfile, 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'> = { old: 'TLSv1', intermediate: 'TLSv1.2', modern: 'TLSv1.3' };

function profileLines(profile: TlsProfile): string[] {
  switch (profile) {
    case 'modern':
      // TLS 1.3 only: its suites are all strong, so the client's preference order is fine.
      return [`    ssl-default-bind-ciphersuites ${TLS13_SUITES}`, '    ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.3 no-tls-tickets'];
    case 'intermediate':
      return [
        `    ssl-default-bind-ciphers ${INTERMEDIATE_CIPHERS}`,
        `    ssl-default-bind-ciphersuites ${TLS13_SUITES}`,
        '    ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets',
      ];
    case 'old':
      // The server's order here: old clients would otherwise pick the weakest suite they know.
      return [
        `    ssl-default-bind-ciphers ${OLD_CIPHERS}`,
        `    ssl-default-bind-ciphersuites ${TLS13_SUITES}`,
        '    ssl-default-bind-options ssl-min-ver TLSv1.0 no-tls-tickets',
      ];
  }
}

export function tlsGlobalLines(r: Resolved): string[] {
  if (!r.https.enabled) return [];
  return profileLines(r.https.profile);
}

const CHALLENGE = '{ path_beg /.well-known/acme-challenge/ }';

/**
 * ACME HTTP-01 answered by HAProxy itself, before the https redirect (the CA asks on port 80 and follows no
 * redirect to a certificate it is still issuing): the token (4th path field) looked up in the map, which haforge
 * fills through the runtime API (`add map`), so no reload and nothing on the web nodes. An unknown token is a
 * 404, not an empty 200 (a plain `map()` in the answer would give that).
 */
function acmeChallengeLines(map: string): string[] {
  return [
    `    http-request set-var(txn.acme_keyauth) path,field(4,/),map(${w('acme map path', map)}) if ${CHALLENGE}`,
    '    http-request return status 200 content-type text/plain lf-string "%[var(txn.acme_keyauth)]" if { var(txn.acme_keyauth) -m found }',
    `    http-request return status 404 content-type text/plain string "no such challenge" if ${CHALLENGE}`,
  ];
}

export function tlsListenLines(r: Resolved): string[] {
  if (!r.https.enabled) return [];
  const https = r.https;
  // ALPN: h2 first, so browsers get HTTP/2; http/1.1 for everyone else.
  const lines = [r.bind.address, ...r.bind.also].map((a) => `    bind ${hostPort(a, https.port)} ssl crt ${w('certificate path', https.certPath)} alpn h2,http/1.1`);
  if (https.acmeMap !== null) lines.push(...acmeChallengeLines(https.acmeMap));
  if (r.https.redirect) lines.push('    http-request redirect scheme https unless { ssl_fc }');
  // Tell the application how the client came in (and overwrite any forged value).
  lines.push(
    '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '    http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
  );
  // http-after-response, not http-response: it also covers HAProxy's own answers (stats page, http-request
  // return), and only over TLS (RFC 6797 8.1: a browser ignores it on plain http anyway).
  if (https.hstsSeconds > 0) lines.push(`    http-after-response set-header Strict-Transport-Security "max-age=${String(https.hstsSeconds)}" if { ssl_fc }`);
  return lines;
}
