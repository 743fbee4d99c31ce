// Every string that leaves haforge (terminal, --json, errors) passes through one Redactor.

const MASK = '********';

/** Text that holds a secret wherever it appears, registered or not (Lower (a), issue 21): apt and haproxy echo
 * the line they fail on, and that line may be a proxy URL with credentials or a userlist entry. Group 1 is
 * kept, the rest of the match masked. */
const ALWAYS_SECRET: RegExp[] = [
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+(?=@)/gi, // scheme://user:PASSWORD@
  /(\buser\s+\S+\s+(?:insecure-)?password\s+)\S+/gi, // haproxy userlist line
  /()\$(?:5|6|y|gy|7)\$[^\s'"]+/g, // a crypt(3) hash (SHA-256/512, yescrypt, scrypt)
  /(\b(?:password|passwd|passphrase)\s*[=:]\s*)[^\s'"]+/gi, // password=..., Password: ...
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret; short strings are ignored so common words are not masked everywhere. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
    for (const re of ALWAYS_SECRET) out = out.replace(re, (_m, keep: string) => `${keep}${MASK}`);
    return out;
  }

  /** Redacts every string inside a JSON-like value. */
  redactDeep<T>(value: T): T {
    // Walk the value rather than its JSON text: a secret with a quote in it is escaped in JSON.
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }
}
