// ssh_config's lexical rules, as OpenSSH's readconf.c applies them: a keyword (any case), then its arguments
// separated by blanks, the first optionally by `=`; double quotes group an argument; `#` starts a comment only at the
// start of an argument. Each directive keeps its file and line, so every error can name them.

export interface Directive {
  /** Lower case. */
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

export class SshConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'SshConfigError';
  }
}

/** Splits one argument list like ssh's argv_split: blanks separate, double quotes group, `#` ends the line. */
function splitArgs(text: string, file: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[ \t]/.test(text[i]!)) i++;
    if (i >= text.length || text[i] === '#') break;
    let arg = '';
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new SshConfigError(file, line, 'an unclosed quote');
      arg = text.slice(i + 1, end);
      i = end + 1;
      if (i < text.length && !/[ \t]/.test(text[i]!)) throw new SshConfigError(file, line, 'text right after a closing quote');
    } else {
      while (i < text.length && !/[ \t]/.test(text[i]!)) arg += text[i++];
    }
    out.push(arg);
  }
  return out;
}

export function parseLines(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z][A-Za-z0-9]*)(?:[ \t]*=[ \t]*|[ \t]+|$)(.*)$/.exec(line);
    if (!m) throw new SshConfigError(file, n + 1, `cannot read "${line.slice(0, 40)}"`);
    out.push({ keyword: m[1]!.toLowerCase(), args: splitArgs(m[2]!, file, n + 1), file, line: n + 1 });
  }
  return out;
}
