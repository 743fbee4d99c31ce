// --limit: which hosts a run touches. Patterns are host names, group names (`all` = every host)
// or globs over either (`web*`, `web?`); `!pattern` excludes. Comma-separated lists and repeated
// flags add up. A pattern that matches nothing is an error: it is almost always a typo.
import { LimitError, closest } from './errors.js';
import type { HostSpec, Inventory } from './types.js';
import { globMatch } from './glob.js';

/** Selected hosts in inventory order; every host when limit is undefined. An empty list is an error, never "all". */
export function selectHosts(inv: Inventory, limit: string[] | undefined): HostSpec[] {
  if (!limit) return [...inv.hosts];
  const patterns = limit.flatMap((l) => l.split(',')).map((p) => p.trim()).filter(Boolean);
  if (patterns.length === 0) throw new LimitError('', '--limit is empty; give host or group names, e.g. --limit web1,lb');

  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  // Only exclusions (`--limit '!web2'`): start from every host.
  const chosen = new Set(include.length ? include.flatMap((p) => matching(inv, p)) : inv.hosts.map((h) => h.name));
  for (const p of exclude) for (const name of matching(inv, p)) chosen.delete(name);

  const hosts = inv.hosts.filter((h) => chosen.has(h.name));
  if (hosts.length === 0) throw new LimitError(limit.join(','), `--limit ${limit.join(',')} leaves no host to run on`);
  return hosts;
}

/** Host names a pattern selects; throws when there are none. */
function matching(inv: Inventory, pattern: string): string[] {
  const test = toMatcher(pattern);
  const groups = { all: inv.hosts.map((h) => h.name), ...inv.groups };
  const names = new Set(inv.hosts.filter((h) => test(h.name)).map((h) => h.name));
  for (const [group, members] of Object.entries(groups)) if (test(group)) members.forEach((m) => names.add(m));
  if (names.size > 0) return [...names];

  const hostNames = inv.hosts.map((h) => h.name);
  const guess = /[*?]/.test(pattern) ? undefined : closest(pattern, [...hostNames, ...Object.keys(groups)]);
  const hint = guess ? ` Did you mean "${guess}"?` : '';
  throw new LimitError(
    pattern,
    `--limit: "${pattern}" matches no host or group.${hint} Hosts: ${hostNames.join(', ')}; groups: ${Object.keys(groups).join(', ')}`,
  );
}

/** `*` is any run of characters, `?` one character; everything else is literal (see glob.ts). */
function toMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  return (name) => globMatch(pattern, name);
}
