// One TLS handshake with the protocol pinned, as verify's proof of the TLS profile: which versions the balancer
// accepts and which application protocol ALPN settles on. Trust is not the question here (a self-signed
// certificate is fine); the certificate checks live with the certificates.
import tls from 'node:tls';

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsProbe {
  /** The handshake completed. */
  ok: boolean;
  /** Negotiated protocol ('TLSv1.3') when ok. */
  protocol?: string;
  /** ALPN result when ok: 'h2', 'http/1.1', or false when none was agreed. */
  alpn?: string | false;
  cipher?: string;
  /** Why the handshake failed (OpenSSL's reason, e.g. "unsupported protocol"). */
  error?: string;
}

export function probeTls(host: string, port: number, version: TlsVersion, o: { servername?: string; timeoutMs?: number } = {}): Promise<TlsProbe> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: o.servername ?? (/^[\d.:]+$/.test(host) ? undefined : host),
      minVersion: version,
      maxVersion: version,
      ALPNProtocols: ['h2', 'http/1.1'],
      rejectUnauthorized: false,
      // Security level 0 on this side, so that the client really offers TLS 1.0/1.1 (OpenSSL 3 will not
      // otherwise): a refusal is then the server's doing, and "old" can prove it accepts them.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      timeout: o.timeoutMs ?? 5000,
    });
    const done = (r: TlsProbe) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () => {
      done({ ok: true, protocol: socket.getProtocol() ?? undefined, alpn: socket.alpnProtocol ?? false, cipher: socket.getCipher().name });
    });
    socket.once('timeout', () => done({ ok: false, error: `no handshake within ${String(o.timeoutMs ?? 5000)} ms` }));
    socket.once('error', (e: Error & { reason?: string }) => done({ ok: false, error: e.reason ?? e.message }));
  });
}
