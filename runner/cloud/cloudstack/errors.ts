// One-line reasons for what CloudStack (or the way to it) answered. Never carries the request (the signature and
// the API key are in it) nor the secret.
export type CloudStackErrorKind = 'config' | 'auth' | 'api' | 'unreachable' | 'timeout' | 'job';

export class CloudStackError extends Error {
  constructor(
    readonly kind: CloudStackErrorKind,
    message: string,
    /** CloudStack's errorcode (HTTP status) when it gave one: 431 parameter error, 537 rule conflict, ... */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'CloudStackError';
  }
}

export const isCloudStackError = (e: unknown): e is CloudStackError => e instanceof CloudStackError;
