// POSIX shell quoting for remote command strings. Debian's /bin/sh is dash, which has no $'...' (zx's quote
// emits that), so everything goes in single quotes with ' written as '\''.

/** Characters that never need quoting in any position. `=` and `~` are left out on purpose: `a=b` as a first
 * word is an assignment and a leading `~` expands. */
const SAFE = /^[A-Za-z0-9_\/.,:@%+-]+$/;

/** One shell word that stands for exactly `s`. Throws on NUL, which no argv can carry. */
export function quote(s: string): string {
  if (s.includes('\0')) throw new Error('cannot quote a string containing a NUL byte');
  if (SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A fragment that is already shell syntax (an operator, a redirection): inserted as is by `sh` and `cmd`. */
export class Raw {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): Raw {
  return new Raw(text);
}

export type ShellArg = string | number | Raw | ReadonlyArray<string | number | Raw>;

function render(arg: ShellArg): string {
  if (arg instanceof Raw) return arg.text;
  if (typeof arg === 'number') return quote(String(arg));
  if (typeof arg === 'string') return quote(arg);
  return arg.map(render).join(' ');
}

/** Tagged template: the literal parts are shell syntax, every interpolation is quoted (arrays become several
 * words). `sh\`rm -f -- ${path}\`` */
export function sh(strings: TemplateStringsArray, ...args: ShellArg[]): string {
  let out = strings[0];
  for (let i = 0; i < args.length; i++) out += render(args[i]) + strings[i + 1];
  return out;
}

/** Each part quoted as one word (or inserted raw), joined with spaces: `cmd('chmod', '0640', path)`. */
export function cmd(...parts: ShellArg[]): string {
  return parts.map(render).join(' ');
}
