// Host patterns as ssh matches them: `*` and `?`, `!` negates. `Host` compares with the name exactly as given
// (`Host web*` does not match WEB2, as `ssh -G` shows); `Match host` ignores case.
import { globMatch } from '../../inventory/glob.js';

function anyMatch(patterns: readonly string[], name: string, ignoreCase: boolean): boolean {
  let hit = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name, { ignoreCase })) return false;
    } else if (globMatch(p, name, { ignoreCase })) hit = true;
  }
  return hit;
}

/** `Host a b !c`: one argument per pattern (commas are not separators here); any negated match rules it out. */
export const hostLineMatches = (patterns: readonly string[], name: string): boolean => anyMatch(patterns, name, false);

/** `Match host a,b,!c`: a comma list (OpenSSH's match_pattern_list): true when a pattern matches and no negated one does. */
export const patternListMatches = (list: string, name: string): boolean => anyMatch(list.split(','), name, true);
