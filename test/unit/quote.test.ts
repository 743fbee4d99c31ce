// Quoting checked the only way that matters: a real dash (Debian's /bin/sh) must hand back the exact string.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cmd, quote, raw, sh } from '../../runner/transport/quote.js';

const DASH = '/bin/dash';

function dash(script: string, cwd?: string): string {
  return execFileSync(DASH, ['-c', script], { cwd, encoding: 'utf8' });
}

/** What dash passes to printf when given quote(s) as one word. */
function roundTrip(s: string, cwd?: string): string {
  return dash(`printf %s ${quote(s)}`, cwd);
}

// A directory with files so that an unquoted glob would visibly expand.
const globDir = mkdtempSync(join(tmpdir(), 'haforge-quote-'));
for (const n of ['a.txt', 'b.txt', '-rf']) writeFileSync(join(globDir, n), '');
afterAll(() => rmSync(globDir, { recursive: true, force: true }));

const HOSTILE: string[] = [
  '',
  ' ',
  'plain',
  "it's",
  "'",
  "''",
  "'\\''",
  '"double" quotes',
  '$(touch /tmp/haforge-pwned)',
  '`id`',
  '${HOME}',
  '$HOME',
  '$0 $1 $@ $* $# $?',
  'a\nb\n',
  '\n',
  'tab\there',
  'back\\slash\\',
  '\\',
  '\\n',
  '!',
  '!!',
  '*',
  '*.txt',
  '?',
  '[ab].txt',
  '~',
  '~root',
  'a=b',
  'x;y',
  'a && b || c',
  'a | b',
  '> /tmp/x',
  '< /etc/passwd',
  '&',
  '(sub)',
  '{a,b}',
  '#comment',
  '-rf',
  '--help',
  '-',
  'ünïcödé ✓ 中文 🚀',
  '\u00a0nbsp',
  '\r\n',
  'percent %s %d %%',
  // every byte from 1 to 255 as a code point (UTF-8 on the wire), NUL excluded: argv cannot hold it
  Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join(''),
];

describe('quote through /bin/dash', () => {
  test.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('%s', (_label, s) => {
    expect(roundTrip(s, globDir)).toBe(s);
  });

  test('random strings from a nasty alphabet', () => {
    const alphabet = `'"\\$\`!*?[]{}()<>|&;#~= \t\n-ab\u00e9\u4e2d%`;
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const strings = Array.from({ length: 200 }, () =>
      Array.from({ length: next() % 24 }, () => alphabet[next() % alphabet.length]).join(''),
    );
    // One dash process for all of them: each printed between NUL-free separators.
    const script = strings.map((s) => `printf '%s\\036' ${quote(s)}`).join('; ');
    const got = dash(script, globDir).split('\x1e');
    got.pop();
    expect(got).toEqual(strings);
  });

  test('a quoted word is one argument, and a leading dash stays a plain argument', () => {
    // printf's format is fixed, so "-rf" is data, and the globDir file named -rf is not matched by anything
    expect(dash(`printf '<%s>' ${quote('-rf')} ${quote('a b')} ${quote('')}`)).toBe('<-rf><a b><>');
  });

  test('NUL cannot be quoted', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  test('safe strings stay readable, everything else is single-quoted', () => {
    expect(quote('/etc/haproxy/haproxy.cfg')).toBe('/etc/haproxy/haproxy.cfg');
    expect(quote('user@host:22')).toBe('user@host:22');
    expect(quote('a=b')).toBe("'a=b'"); // would be an assignment as a first word
    expect(quote('~')).toBe("'~'");
    expect(quote('')).toBe("''");
    expect(quote("it's")).toBe("'it'\\''s'");
  });
});

describe('sh and cmd helpers', () => {
  test('sh quotes interpolations, arrays become several words, raw stays syntax', () => {
    const file = "it's $(bad).txt";
    const script = sh`printf '[%s]' ${file} ${['x y', '*']} ${raw('&& printf done')}`;
    expect(dash(script, globDir)).toBe("[it's $(bad).txt][x y][*]done");
  });

  test('cmd quotes each part as one word', () => {
    expect(dash(cmd('printf', '%s|', 'a b', "c'd", '$HOME', 42), globDir)).toBe("a b|c'd|$HOME|42|");
    expect(dash(`${cmd('printf', '%s')} ${raw('"$((1+2))"')}`)).toBe('3');
  });
});
