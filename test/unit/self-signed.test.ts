// self-signed.ts with the real local openssl: a combined cert+key PEM for HAProxy's `crt`, and the cert/key
// match checks used on user-provided certificates. (haproxy -c loading the PEM is covered in haproxy-cfg.test.ts.)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { certAndKeyMatch, certMatchesKey, makeSelfSignedPem } from '../../recipes/lib/self-signed.js';

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/;
const KEY_RE = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/;

async function x509Text(pem: string): Promise<string> {
  return (await $({ input: pem, quiet: true })`openssl x509 -noout -text`).stdout;
}


describe('makeSelfSignedPem', () => {
  it('gives the certificate then its unencrypted key, with CN and subjectAltNames, valid 825 days', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'haforge-selfsigned-test-'));
    const pem = await makeSelfSignedPem('lb.test', ['10.0.0.10', 'lb', 'lb.test'], { tempParent: parent });
    expect(pem).toMatch(new RegExp(`^${CERT_RE.source}${KEY_RE.source}$`));
    expect(await certMatchesKey(pem)).toBe(true);
    const text = await x509Text(pem);
    expect(text).toMatch(/Subject: CN ?= ?lb\.test/);
    expect(text).toContain('DNS:lb.test, IP Address:10.0.0.10, DNS:lb');
    expect(text).toMatch(/prime256v1|P-256/);
    const enddate = (await $({ input: pem, quiet: true })`openssl x509 -noout -enddate`).stdout;
    const days = (Date.parse(enddate.replace('notAfter=', '').trim()) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(824);
    expect(days).toBeLessThan(826);
    // The private temp dir (key inside) is gone.
    expect(await readdir(parent)).toEqual([]);
    await rm(parent, { recursive: true });
  });

  it('makes RSA 2048 keys when asked', async () => {
    const pem = await makeSelfSignedPem('10.0.0.10', [], { keyType: 'rsa' });
    expect(await certMatchesKey(pem)).toBe(true);
    const text = await x509Text(pem);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text).toContain('IP Address:10.0.0.10');
  });

  it('refuses names that would break -subj or are not host names / IPs', async () => {
    await expect(makeSelfSignedPem('lb/O=evil', [])).rejects.toThrow(/common name/);
    await expect(makeSelfSignedPem('', [])).rejects.toThrow(/common name/);
    await expect(makeSelfSignedPem('lb.test', ['bad name'])).rejects.toThrow(/subjectAltName/);
    await expect(makeSelfSignedPem('lb.test', [], { days: 0 })).rejects.toThrow(/days/);
  });
});

describe('certAndKeyMatch / certMatchesKey', () => {
  it('is false for a certificate with somebody else’s key', async () => {
    const [a, b] = await Promise.all([makeSelfSignedPem('a.test', []), makeSelfSignedPem('b.test', [])]);
    const certA = CERT_RE.exec(a)?.[0] ?? '';
    const keyA = KEY_RE.exec(a)?.[0] ?? '';
    const keyB = KEY_RE.exec(b)?.[0] ?? '';
    expect(await certAndKeyMatch(certA, keyA)).toBe(true);
    expect(await certAndKeyMatch(certA, keyB)).toBe(false);
    expect(await certMatchesKey(`${certA}${keyB}`)).toBe(false);
  });

  it('is false when a part is missing or unreadable', async () => {
    const pem = await makeSelfSignedPem('a.test', []);
    const cert = CERT_RE.exec(pem)?.[0] ?? '';
    expect(await certMatchesKey(cert)).toBe(false);
    expect(await certMatchesKey('')).toBe(false);
    expect(await certAndKeyMatch(cert, '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n')).toBe(false);
  });

  it('is false, without prompting, for an encrypted key (HAProxy cannot load one either)', async () => {
    const pem = await makeSelfSignedPem('a.test', []);
    const cert = CERT_RE.exec(pem)?.[0] ?? '';
    const key = KEY_RE.exec(pem)?.[0] ?? '';
    const encrypted = (await $({ input: key, quiet: true })`openssl pkey -aes256 -passout pass:secret`).stdout;
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    expect(await certAndKeyMatch(cert, encrypted)).toBe(false);
  });
});
