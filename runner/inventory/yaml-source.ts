// An inventory's YAML text to a plain mapping, or an InventoryError with line and column. Bounded in time:
// the text's size is capped, and duplicate keys are found here in one pass (the yaml package's own check
// compares each key with every earlier one: 20,000 hosts took 11 s).
import { LineCounter, isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import { InventoryError, describe } from './errors.js';

/** Far above any real inventory (a 1000-host one is about 60 KB), below what makes parsing slow: YAML takes
 * about 4 s over one 10 MB string on a 2-CPU machine, about 0.5 s over 256 KB of hosts. */
export const MAX_INVENTORY_BYTES = 256 * 1024;

export function checkSize(source: string, file: string): void {
  // Characters first: no byte count of a 100 MB string just to refuse it.
  checkBytes(source.length > MAX_INVENTORY_BYTES ? source.length : Buffer.byteLength(source, 'utf8'), file);
}

/** The same limit on a size known before reading (a file's stat): a 10 MB file is refused unread. */
export function checkBytes(bytes: number, file: string): void {
  if (bytes <= MAX_INVENTORY_BYTES) return;
  const size = bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
  throw new InventoryError(file, [
    { path: '', message: `the file is ${size}; an inventory is at most ${MAX_INVENTORY_BYTES / 1024} KB (a 1000-host one is about 60 KB)` },
  ]);
}

const DUPLICATE = 'duplicate key (a key, or a host name within a group, may appear only once)';

/** Offset of the first key that repeats an earlier scalar key of the same mapping (as the yaml package's own
 * check would say), or undefined. */
function firstDuplicateKey(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          at = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return at;
}

export function parseYaml(source: string, file: string): Record<string, unknown> {
  const lines = new LineCounter();
  // logLevel error: yaml's own warnings (a list as a mapping key) would go to stderr as Node warnings; the key
  // then fails the shape check with its name.
  const doc = parseDocument(source, { uniqueKeys: false, lineCounter: lines, logLevel: 'error' });
  const first = doc.errors[0];
  if (first) {
    const [pos] = first.linePos ?? [];
    const text = first.code === 'MULTIPLE_DOCS' ? 'several YAML documents (---) in one file; keep one' : first.message.split(' at line ')[0];
    throw new InventoryError(file, [{ path: '', line: pos?.line, column: pos?.col, message: `YAML syntax error: ${text}` }]);
  }
  const dup = firstDuplicateKey(doc);
  if (dup !== undefined) {
    const pos = lines.linePos(dup);
    throw new InventoryError(file, [{ path: '', line: pos.line, column: pos.col, message: `YAML syntax error: ${DUPLICATE}` }]);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // Unresolved aliases and alias bombs surface only here, without a position.
    throw new InventoryError(file, [{ path: '', message: `YAML error: ${(err as Error).message}` }]);
  }
  if (value === null || value === undefined) {
    throw new InventoryError(file, [
      { path: '', message: 'the file is empty; an inventory needs groups.lb and groups.web (see inventory/example.yaml)' },
    ]);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InventoryError(file, [
      { path: '', message: `expected a mapping at the top level (groups:, and optionally vars: and ssh:), found ${describe(value)}` },
    ]);
  }
  return value as Record<string, unknown>;
}
