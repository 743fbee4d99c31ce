// The INI dialect that python-cs (configparser) and cmk (go-ini) read: `[section]`, `key = value` or `key: value`,
// `#` and `;` comment lines, keys before the first section in '' (cmk's top level: `profile = ...`).
// Values are taken as written, trimmed; no interpolation (a secret may hold `%`).

export type Ini = Map<string, Map<string, string>>;

export function parseIni(text: string): Ini {
  const out: Ini = new Map([['', new Map()]]);
  let section = out.get('')!;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      const name = head[1]!.trim();
      section = out.get(name) ?? new Map();
      out.set(name, section);
      continue;
    }
    const at = line.search(/[=:]/);
    if (at <= 0) continue; // not a key: configparser would refuse the file; a credentials lookup just skips it
    section.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  return out;
}

/** configparser.read over several files: later files override earlier ones key by key, section by section. */
export function mergeIni(into: Ini, from: Ini): Ini {
  for (const [name, keys] of from) {
    const s = into.get(name) ?? new Map<string, string>();
    for (const [k, v] of keys) s.set(k, v);
    into.set(name, s);
  }
  return into;
}
