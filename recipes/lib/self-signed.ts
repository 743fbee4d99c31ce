// Self-signed certificates for the HTTPS variant when the user gives none, and checks for certificates the user
// does give. Everything runs with the local openssl (minimal hosts have none). HAProxy's `crt` file is the
// certificate followed by its private key in one PEM.
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';

// zx is loaded when a certificate is made or checked (rare), not with every run that imports the recipes.
const zx = async () => (await import('zx')).$;

export interface SelfSignedOptions {
  /** 'ec' (P-256, default: fast to make, accepted everywhere today) or 'rsa' (2048 bits). */
  keyType?: 'ec' | 'rsa';
  /** 825 days: the longest validity Apple clients still accept for a TLS server certificate. */
  days?: number;
  /** Where the private temp dir is made (default os.tmpdir()). */
  tempParent?: string;
}

const DNS_NAME_RE = /^(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function sanEntry(name: string): string {
  if (isIP(name) !== 0) return `IP:${name}`;
  if (DNS_NAME_RE.test(name) && name.length <= 253) return `DNS:${name}`;
  throw new Error(`not a DNS name or IP address for subjectAltName: ${JSON.stringify(name)}`);
}

/**
 * A new self-signed certificate and its unencrypted key, concatenated (HAProxy's `crt` format). The key is made
 * in a private temp dir (0700) that is removed afterwards, whatever happens. Clients match on subjectAltName, so
 * the common name is added there too.
 */
export async function makeSelfSignedPem(
  commonName: string,
  altNames: string[],
  options: SelfSignedOptions = {},
): Promise<string> {
  // -subj parses '/' and '=' itself: keep the CN to hostname/IP characters.
  if (!/^[A-Za-z0-9.*:-]{1,64}$/.test(commonName)) {
    throw new Error(`common name must be a host name or IP address (max 64 chars): ${JSON.stringify(commonName)}`);
  }
  const names = [...new Set([commonName, ...altNames])];
  const san = names.map(sanEntry).join(',');
  const days = options.days ?? 825;
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer: ${String(days)}`);
  const keyArgs =
    (options.keyType ?? 'ec') === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      : ['-newkey', 'rsa:2048'];

  const dir = await mkdtemp(join(options.tempParent ?? tmpdir(), 'haforge-cert-'));
  try {
    await chmod(dir, 0o700);
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const $ = await zx();
    const out = await $({ quiet: true, verbose: false, nothrow: true })`openssl req -x509 ${keyArgs} -nodes -days ${String(days)} -subj ${`/CN=${commonName}`} -addext ${`subjectAltName=${san}`} -keyout ${keyFile} -out ${certFile}`;
    if (out.exitCode !== 0) {
      throw new Error(`openssl req failed (exit ${String(out.exitCode)}): ${out.stderr.trim() || 'no message'}`);
    }
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return `${cert.trimEnd()}\n${key.trimEnd()}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK_RE = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** The public key (SPKI PEM) of a certificate or private key, via openssl reading stdin; null if unreadable. */
async function publicKeyOf(kind: 'cert' | 'key', pem: string): Promise<string | null> {
  // -passin pass: makes an encrypted key fail at once instead of prompting (HAProxy cannot use one either).
  const $ = await zx();
  const out =
    kind === 'cert'
      ? await $({ input: pem, quiet: true, verbose: false, nothrow: true })`openssl x509 -noout -pubkey`
      : await $({ input: pem, quiet: true, verbose: false, nothrow: true })`openssl pkey -pubout -passin pass:`;
  if (out.exitCode !== 0) return null;
  const spki = out.stdout.trim();
  return spki.startsWith('-----BEGIN PUBLIC KEY-----') ? spki : null;
}

/** The first certificate in certPem and the private key in keyPem belong together (same public key). */
export async function certAndKeyMatch(certPem: string, keyPem: string): Promise<boolean> {
  const cert = CERT_BLOCK_RE.exec(certPem)?.[0];
  const key = KEY_BLOCK_RE.exec(keyPem)?.[0];
  if (cert === undefined || key === undefined) return false;
  const [a, b] = await Promise.all([publicKeyOf('cert', cert), publicKeyOf('key', key)]);
  return a !== null && a === b;
}

/** A combined PEM (HAProxy `crt` file) holds a certificate and the matching unencrypted private key. */
export async function certMatchesKey(pem: string): Promise<boolean> {
  return certAndKeyMatch(pem, pem);
}
