// `haforge help vars`: every inventory var (and groups.NAME key) as a table made from the option registry, so it
// cannot drift from what the schema checks and the flags accept.
import { groupOptions } from '../inventory/group-options.js';
import { expectedOf, flagName, isFlag, type OptionSpec } from '../inventory/option.js';

const HEAD = ['name', 'type', 'default', 'allowed', 'flag', 'recipes', 'description'];

function allowed(o: OptionSpec): string {
  if (o.choices) return o.choices.join(' | ');
  if (o.type === 'number') return `${o.min ?? 0}-${o.max ?? Number.MAX_SAFE_INTEGER}`;
  if (o.type === 'string' && o.pattern) return String(o.pattern.regex);
  return expectedOf(o);
}

function row(o: OptionSpec): string[] {
  const name = o.at === 'group' ? `groups.G.${o.name}` : o.name;
  const type = o.type === 'number' ? 'integer' : o.type === 'serial' ? 'integer|"P%"' : o.type;
  const flag = isFlag(o) ? `--${flagName(o.name)}` : '-';
  return [name, type, o.default === undefined ? '-' : JSON.stringify(o.default), allowed(o), flag, (o.readBy ?? []).join(', ') || '-', o.description];
}

/** The table, columns aligned; the description is the last column, unpadded. */
export function varsTable(recipeOptions: readonly OptionSpec[]): string {
  const rows = [HEAD, ...[...recipeOptions, ...groupOptions].map(row)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [
    'Inventory vars (under vars: at the top, in a group or on a host; host over group over global, flags on top):',
    '',
    line(rows[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(1).map(line),
    '',
    'An unknown var is refused when it is close to a known one (a likely typo), otherwise warned about.',
    'The inventory file\'s JSON Schema (for YAML editors): haforge schema > haforge.schema.json',
  ].join('\n');
}
