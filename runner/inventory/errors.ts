// Inventory errors and the small helpers that word them. Users see these before any connection,
// so every problem is one line: `file: path: what is wrong[; how to fix it]`.

export interface Problem {
  /** Where in the inventory, e.g. `groups.web.hosts.web2.port`; '' for the file as a whole. */
  path: string;
  message: string;
  /** 1-based position, known for YAML syntax errors only. */
  line?: number;
  column?: number;
}

/** More than this many problems at once is noise: the first ones are usually the cause. */
const MAX_SHOWN = 5;

export function formatProblem(file: string, p: Problem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column ?? 1}` : file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

function formatProblems(file: string, problems: Problem[]): string {
  const lines = problems.slice(0, MAX_SHOWN).map((p) => formatProblem(file, p));
  const rest = problems.length - MAX_SHOWN;
  if (rest > 0) lines.push(`... and ${rest} more problem${rest === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** The inventory cannot be used. `exitCode` is what the CLI exits with (2: bad input). */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';
  readonly exitCode = 2;
  /** Path of the first problem ('' for the file as a whole). */
  readonly path: string;

  constructor(
    /** The file as the user named it (what the message shows). */
    readonly file: string,
    readonly problems: Problem[],
  ) {
    super(formatProblems(file, problems));
    this.path = problems[0]?.path ?? '';
  }
}

/** A --limit pattern that selects nothing. Same exit code as a bad inventory. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  readonly exitCode = 2;

  constructor(
    readonly pattern: string,
    message: string,
  ) {
    super(message);
  }
}

/** `groups.web.hosts["web1.example.com"].port`: keys that are not plain words get brackets. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    const key = String(s);
    if (/^[A-Za-z0-9_-]+$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** A value as a user would recognise it from their YAML, for "found ..." messages. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') {
    // JSON leaves C1 controls and line separators raw: escaped too, so a message is always one line.
    const s = JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
    return s.replace(/[\u0080-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** Edit distance where swapping two neighbours counts as one edit (`prot` -> `port`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate to a typo, or undefined when nothing is close enough to be a likely intent. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const limit = lower.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = editDistance(lower, c.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  if (best !== undefined && bestDistance <= limit) return best;
  // An abbreviation (`addr`, `pass`) is a likely intent too.
  return lower.length >= 3 ? candidates.find((c) => c.startsWith(lower)) : undefined;
}
