// Transport failures as one typed error with a one-line message fit for a recap. Messages are built here
// from known facts only (host, port, user, fingerprints): never from config objects, so no secret can leak.

export type TransportErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'auth'
  | 'hostkey'
  | 'channel'
  | 'disconnected'
  | 'sudo'
  | 'upload';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    /** The underlying error code (ECONNREFUSED, ssh2's level), for logs and tests. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export function isTransportError(e: unknown, kind?: TransportErrorKind): e is TransportError {
  return e instanceof TransportError && (kind === undefined || e.kind === kind);
}

/** ssh2 and node errors carry `code` (errno) and `level` (ssh2's stage); read them without trusting shape. */
export function errorFields(e: unknown): { message: string; code?: string; level?: string } {
  if (typeof e === 'string') return { message: e };
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; code?: unknown; level?: unknown };
    return {
      message: typeof o.message === 'string' ? o.message : String(e),
      code: typeof o.code === 'string' ? o.code : undefined,
      level: typeof o.level === 'string' ? o.level : undefined,
    };
  }
  return { message: String(e) };
}
