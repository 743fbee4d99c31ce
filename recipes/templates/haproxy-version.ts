// Parse the installed HAProxy version (from `haproxy -v` or a fact such as "2.6.12", "3.2", "3.2.x") and answer the
// capability questions the templates and the validate step ask. Pure: no I/O.

export interface HaproxyVersion {
  major: number;
  minor: number;
  /** null when only the branch is known ("3.2", "3.2.x", "3.3-dev5"). */
  patch: number | null;
  /** The version token as found, e.g. "2.6.12-1+deb12u4" or "3.2.x". */
  full: string;
}

// "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - ..." (2.x/3.x), "HA-Proxy version 1.8.19-1+deb10u3 ..." (<= 1.8),
// or a bare token. The first X.Y[.Z|.x][-suffix] after an optional banner wins.
const VERSION_RE = /(?:HA-?Proxy\s+version\s+)?\b(\d+)\.(\d+)(?:\.(\d+|x))?([-+~][0-9A-Za-z.+~-]*)?/i;

export function parseHaproxyVersion(text: string): HaproxyVersion {
  const m = VERSION_RE.exec(text);
  if (!m) throw new Error(`cannot find an HAProxy version in ${JSON.stringify(text.slice(0, 200))}`);
  const [token, majorS, minorS, patchS] = m;
  const full = token.replace(/^HA-?Proxy\s+version\s+/i, '');
  return {
    major: Number(majorS),
    minor: Number(minorS),
    patch: patchS === undefined || patchS === 'x' ? null : Number(patchS),
    full,
  };
}

export function toHaproxyVersion(v: string | HaproxyVersion): HaproxyVersion {
  return typeof v === 'string' ? parseHaproxyVersion(v) : v;
}

/** v >= major.minor (the patch level never decides a capability we use). */
export function atLeast(v: HaproxyVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** `-dW` (warnings are fatal) and the global `zero-warning`: added in 2.2. */
export function supportsZeroWarningFlag(v: HaproxyVersion): boolean {
  return atLeast(v, 2, 2);
}

/** `http-check send meth ... uri ...` (the modern way to shape the health-check request): 2.2. */
export function supportsHttpCheckSend(v: HaproxyVersion): boolean {
  return atLeast(v, 2, 2);
}

/**
 * Duplicate proxy or server names: a warning in 3.1 and 3.2, a fatal error from 3.3. The renderer never emits
 * duplicates anyway; this tells callers how loud a hand-made duplicate would be.
 */
export function rejectsDuplicateNames(v: HaproxyVersion): boolean {
  return atLeast(v, 3, 3);
}

/** Oldest branch the config renderer targets (bullseye's 2.2): older ones lack `http-check send` and `-dW`. */
export const MIN_RENDER_VERSION = { major: 2, minor: 2 } as const;

export function isRenderable(v: HaproxyVersion): boolean {
  return atLeast(v, MIN_RENDER_VERSION.major, MIN_RENDER_VERSION.minor);
}

/** argv for checking a config file: `haproxy -dW -c -f FILE` where -dW exists, else `haproxy -c -f FILE`. */
export function validateArgs(v: HaproxyVersion, file: string): string[] {
  return supportsZeroWarningFlag(v) ? ['-dW', '-c', '-f', file] : ['-c', '-f', file];
}
