// ACME issuance on the control machine (acme-client, RFC 8555): the account key and the certificate keys are made
// and kept here, the CA is asked here, and the HTTP-01 answers are put in place by the caller (HAProxy's map on
// every LB). Why acme-client: maintained (publishlab/node-acme-client, 5.4 in 2024), RFC 8555 complete with EAB,
// ships its own types, works on Node >= 16, and leaves challenge placement to callbacks.
import { Agent, get } from 'node:https';
import acme from 'acme-client';

export interface AcmeIssue {
  directoryUrl: string;
  /** PEM of a private CA the directory's HTTPS certificate is trusted by (Pebble's minica). */
  caPem?: string;
  /** The account's ECDSA key (PEM); kept by the caller and reused, so the CA sees one account. */
  accountKeyPem: string;
  email: string;
  domains: readonly string[];
  /** Puts `keyAuthorization` where http://<domain>/.well-known/acme-challenge/<token> answers it. */
  present(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface Issued {
  /** Leaf then chain, PEM. */
  certPem: string;
  /** The leaf's new ECDSA key, PEM. */
  keyPem: string;
}

/** An ACME token or key authorization is base64url (and one '.'): anything else never reaches a command line. */
export const ACME_WORD = /^[A-Za-z0-9_-]{1,256}(?:\.[A-Za-z0-9_-]{1,256})?$/;

function trust(caPem: string | undefined): void {
  // acme-client's own axios instance, not the process's: only its requests trust the private CA.
  acme.axios.defaults.httpsAgent = caPem ? new Agent({ ca: caPem }) : undefined;
  // Fail fast: its default retries a TLS or connection error for over a minute.
  acme.axios.defaults.timeout = 10_000;
}

/** Why the directory cannot be used (one line), or undefined when it answers with an ACME directory. One plain
 * request with a deadline: acme-client's own client retries errors for over a minute. */
export function directoryProblem(directoryUrl: string, caPem?: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const fail = (why: string) => resolve(`the ACME directory ${directoryUrl} does not answer: ${why}`);
    const req = get(directoryUrl, { ...(caPem ? { ca: caPem } : {}), timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.length + body.length < 65536 ? c : ''));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(`the ACME directory ${directoryUrl} answered HTTP ${String(res.statusCode)}`);
        try {
          const d = JSON.parse(body) as Record<string, unknown>;
          resolve(typeof d['newOrder'] === 'string' ? undefined : `${directoryUrl} is not an ACME directory (no newOrder)`);
        } catch {
          resolve(`${directoryUrl} is not an ACME directory (not JSON)`);
        }
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: `no answer within ${String(timeoutMs)} ms` })));
    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  });
}

export function newAccountKey(): Promise<string> {
  return acme.crypto.createPrivateEcdsaKey('P-256').then((k) => k.toString());
}

/** One order for all the domains; throws an Error with the CA's one-line reason. */
export async function issueCertificate(i: AcmeIssue): Promise<Issued> {
  trust(i.caPem);
  const client = new acme.Client({ directoryUrl: i.directoryUrl, accountKey: i.accountKeyPem, backoffAttempts: 5, backoffMin: 500, backoffMax: 2000 });
  const key = await acme.crypto.createPrivateEcdsaKey('P-256');
  const [, csr] = await acme.crypto.createCsr({ commonName: i.domains[0]!, altNames: [...i.domains] }, key);
  const placed: string[] = [];
  try {
    const certPem = await client.auto({
      csr,
      email: i.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // Its pre-check fetches the URL from this machine, which may not resolve the names; the caller checks the
      // answer on the LBs instead.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`the CA offered ${challenge.type}; haforge answers http-01 only`);
        if (!ACME_WORD.test(challenge.token) || !ACME_WORD.test(keyAuthorization)) throw new Error('the CA sent a token that is not base64url');
        await i.present(challenge.token, keyAuthorization);
        placed.push(challenge.token);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await i.remove(challenge.token);
        placed.splice(placed.indexOf(challenge.token), 1);
      },
    });
    return { certPem, keyPem: key.toString() };
  } catch (e) {
    const m = (e as Error).message ?? String(e);
    throw new Error(`ACME order for ${i.domains.join(', ')} failed: ${m.split('\n')[0]}`);
  } finally {
    // A failed order leaves no token behind.
    for (const t of placed.splice(0)) await i.remove(t).catch(() => undefined);
  }
}
