// Runs the real CLI (`node bin/haforge.mjs ...`) as a child process, the way a user or CI does, and reads its
// --json report (schema: README, "JSON report"). Unattended: CI=true, so it never prompts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO_ROOT, 'bin', 'haforge.mjs');

export interface ReportResult {
  host: string;
  recipe: string;
  step: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  durationMs: number;
  message?: string;
  diff?: string;
  commands?: string[];
  actions?: ({ kind: string; commands: string[] } & Record<string, unknown>)[];
}

export interface Report {
  version: number;
  command: string;
  dryRun: boolean;
  exitCode: number;
  durationMs: number;
  interrupted: boolean;
  hosts: { host: string; status: string; counts: Record<'ok' | 'changed' | 'failed' | 'skipped', number>; durationMs: number }[];
  results: ReportResult[];
  error?: string;
}

export interface CliRun {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Parsed stdout when --json was given. */
  report?: Report;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** An installed `haforge` executable to run instead of this checkout's bin/haforge.mjs (started by its shebang). */
  bin?: string;
  /** Working directory (default: the checkout). */
  cwd?: string;
}

/** `haforge ARGS...`; resolves whatever the exit code. With --json, stdout must be one JSON document. */
export async function haforge(args: string[], o: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1', ...o.env };
  delete env['HAFORGE_INVENTORY'];
  delete env['FORCE_COLOR'];
  for (const [k, v] of Object.entries(o.env ?? {})) if (v === undefined) delete env[k];
  const t0 = Date.now();
  const [cmd, argv] = o.bin ? [o.bin, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(cmd, argv, { cwd: o.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = o.timeoutMs ?? 300_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  const run: CliRun = { args, code, stdout, stderr, ms: Date.now() - t0 };
  if (args.includes('--json')) {
    try {
      run.report = JSON.parse(stdout) as Report;
    } catch {
      throw new Error(`haforge ${args.join(' ')}: exit ${String(code)}, stdout is not one JSON document:\n${stdout.slice(0, 2000)}\nstderr:\n${stderr.slice(-2000)}`);
    }
  }
  return run;
}

export const stepId = (r: ReportResult) => `${r.host} ${r.recipe} › ${r.step}`;

/** Steps with a given status, as `host recipe › step`. */
export function withStatus(report: Report, status: ReportResult['status']): string[] {
  return report.results.filter((r) => r.status === status).map(stepId);
}

/** Every result that is not plain ok, with its message: for assertion messages. */
export function summary(run: CliRun): string {
  const r = run.report;
  const head = `haforge ${run.args.join(' ')} -> exit ${String(run.code)} in ${(run.ms / 1000).toFixed(1)} s`;
  if (!r) return `${head}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`;
  const lines = r.results.filter((x) => x.status !== 'ok').map((x) => `  ${x.status}: ${stepId(x)}${x.message ? ` — ${x.message}` : ''}`);
  return [head, r.error ? `  error: ${r.error}` : '', ...lines, run.stderr.trim() ? `  stderr: ${run.stderr.trim().slice(-1500)}` : '']
    .filter(Boolean)
    .join('\n');
}

/** Throws with the run's summary unless it exited 0. */
export function expectSuccess(run: CliRun): Report {
  if (run.code !== 0) throw new Error(`expected exit 0\n${summary(run)}`);
  if (!run.report) throw new Error(`no JSON report\n${summary(run)}`);
  return run.report;
}
