// What every bench script does around its work: root check (the lab needs it), a folder of its own with a log,
// and the exit code (an unexpected error printed with its stack, exit 1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function runBench(prefix: string, body: (work: string, log: string) => Promise<number>): void {
  const go = async (): Promise<number> => {
    if (process.getuid?.() !== 0) {
      process.stderr.write('bench: the lab needs root (network namespaces, mounts)\n');
      return 2;
    }
    const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const log = join(work, 'bench.log');
    writeFileSync(log, '');
    return body(work, log);
  };
  go().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

/** --help: prints the script's help and exits 0. */
export function helpExit(asked: boolean | undefined, help: string): void {
  if (!asked) return;
  process.stdout.write(`${help}\n`);
  process.exit(0);
}

/** A whole-number option: the default when absent, refused below min. */
export function whole(v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new Error(`expected a whole number >= ${min}, found ${v}`);
  return x;
}
