// HTTPS: the global TLS settings, and the web listen's certificate bind, redirect and X-Forwarded-Proto.
import { cfgWord as w } from '../haproxy-word.js';
import { hostPort } from './checks.js';
import type { Resolved } from './input.js';

export function tlsGlobalLines(r: Resolved): string[] {
  if (!r.https.enabled) return [];
  // Mozilla "intermediate" profile, as in Debian's default haproxy.cfg: TLS 1.2+, forward-secret ciphers.
  return [
    '    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384',
    '    ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    '    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets',
  ];
}

export function tlsListenLines(r: Resolved): string[] {
  if (!r.https.enabled) return [];
  const lines = [`    bind ${hostPort(r.bind.address, r.https.port)} ssl crt ${w('certificate path', r.https.certPath)}`];
  if (r.https.redirect) lines.push('    http-request redirect scheme https unless { ssl_fc }');
  // Tell the application how the client came in (and overwrite any forged value).
  lines.push(
    '    http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '    http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
  );
  return lines;
}
