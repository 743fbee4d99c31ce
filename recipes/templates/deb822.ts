// The one way apt's deb822 files (.sources, preferences.d) are written (M1, issue 21). A field is one line: a
// line break would start a new field, and a line that starts with a space or tab continues the previous one.
// Values are refused, never folded: none of haforge's fields needs more than one line.

import { shown } from './haproxy-word.js';

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
// Control characters (C0 with tab and newline, DEL, C1) and Unicode line/paragraph separators.
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]/u;

/** `Name: value` as one deb822 line; throws for a value that is empty, padded, starts a comment or holds a break. */
export function deb822Field(name: string, value: string): string {
  if (!FIELD_NAME.test(name)) throw new Error(`deb822: field name ${JSON.stringify(name)} is not a plain name`);
  if (value === '' || value.trim() !== value || value.startsWith('#') || BREAKS.test(value)) {
    throw new Error(`deb822: ${name} ${shown(value)} cannot be a deb822 field value (one line, no control characters, no leading space or "#")`);
  }
  return `${name}: ${value}`;
}

/** A stanza: a `# comment` line, then the fields, each through deb822Field. */
export function deb822Stanza(comment: string, fields: ReadonlyArray<readonly [string, string]>): string {
  if (BREAKS.test(comment)) throw new Error('deb822: the comment must be one line');
  return `# ${comment}\n${fields.map(([n, v]) => deb822Field(n, v)).join('\n')}\n`;
}
