// The one way a value becomes a word of haproxy.cfg (M1, issue 21). HAProxy splits a line on spaces and tabs,
// reads quotes and backslashes as escapes, '#' as a comment and expands "${VAR}"; a line break starts a new
// directive. Rather than escape (the rules differ between 2.x and 3.x), anything of that kind is refused.

// Whitespace, quotes, backslash, '#', control characters (C0, DEL, C1) and Unicode line/paragraph separators.
const UNSAFE = /[\s"'\\#\p{Cc}\p{Zl}\p{Zp}]|\$\{/u;

/** A value for an error message: JSON-quoted, with C1 controls and line separators escaped too (JSON leaves them
 * raw, and a terminal or log would break the line there). */
export function shown(value: string): string {
  return JSON.stringify(value).replace(/[\u0080-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `value` as one haproxy.cfg word; throws `haproxy config: WHAT ...` for anything HAProxy would split or read. */
export function cfgWord(what: string, value: string): string {
  if (value === '' || UNSAFE.test(value)) {
    throw new Error(`haproxy config: ${what} ${shown(value)} cannot be one haproxy.cfg word (no spaces, quotes, backslash, "#", "\${" or control characters)`);
  }
  return value;
}
