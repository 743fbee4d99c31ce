// CloudStack's request signing (signature version 3), as ApiServer.verifyRequest checks it: every parameter but
// `signature`, names sorted case-sensitively (UTF-16 order, before lowercasing), names raw, values encoded like
// Java's URLEncoder with %20 for a space, the whole string lowercased, HMAC-SHA1, base64. Clients that differ
// (`~` unescaped in python-cs and cmk, `*` escaped in csclient) are rejected by the server: this follows the server.
import { createHmac } from 'node:crypto';

/** java.net.URLEncoder.encode(v, "UTF-8") with `+` as %20: only A-Z a-z 0-9 . - * _ stay as they are. */
export function encodeValue(v: string): string {
  return encodeURIComponent(v).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `yyyy-MM-dd'T'HH:mm:ssZ` in UTC (`2030-01-01T00:10:00+0000`), the form python-cs and the docs use. */
export function expiresAt(when: Date): string {
  return `${when.toISOString().slice(0, 19)}+0000`;
}

export function stringToSign(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${encodeValue(params[k]!)}`)
    .join('&')
    .toLowerCase();
}

export function signature(params: Readonly<Record<string, string>>, secretKey: string): string {
  return createHmac('sha1', secretKey).update(stringToSign(params)).digest('base64');
}

/** The query string to send: sorted names raw, values encoded, then the percent-encoded signature. */
export function signedQuery(params: Readonly<Record<string, string>>, secretKey: string): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${encodeValue(params[k]!)}`);
  return `${pairs.join('&')}&signature=${encodeURIComponent(signature(params, secretKey))}`;
}

/** The parameters of one signed v3 request: the caller's, apiKey, command, response=json, expires. */
export function requestParams(
  command: string,
  params: Readonly<Record<string, string>>,
  apiKey: string,
  expires: Date,
): Record<string, string> {
  return { ...params, apiKey, command, response: 'json', signatureVersion: '3', expires: expiresAt(expires) };
}
