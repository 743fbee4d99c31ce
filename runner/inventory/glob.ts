// `*` (any run) and `?` (one character) globs, for --limit and known_hosts patterns. The classic two-pointer
// algorithm: on a mismatch it goes back only to the last `*`, so a match costs at most about
// (pattern + 1) x (name + 1) steps. A regular expression built from the glob backtracked exponentially on
// crafted patterns (`*a*a*a*a*a*a*a*a*a*b`), which a --limit from a script could hang haforge with.

export interface GlobOptions {
  ignoreCase?: boolean;
  /** Counts comparison steps (tests prove the bound with it). */
  steps?: { n: number };
}

export function globMatch(pattern: string, name: string, o: GlobOptions = {}): boolean {
  const p = o.ignoreCase ? pattern.toLowerCase() : pattern;
  const s = o.ignoreCase ? name.toLowerCase() : name;
  let i = 0; // in p
  let j = 0; // in s
  let star = -1; // last `*` seen in p
  let resume = 0; // where in s that `*` resumes from
  while (j < s.length) {
    if (o.steps) o.steps.n++;
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === s[j]))) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      resume = j;
    } else if (star >= 0) {
      // Let the last `*` take one more character and try the rest of the pattern again from there.
      i = star + 1;
      j = ++resume;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}
