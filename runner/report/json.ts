// The --json report. Its shape is documented in README.md ("JSON report"); bump `version` on any breaking change.
import type { ExecuteResult, HostSummary } from '../engine/executor.js';
import type { StepResult } from '../engine/types.js';

export interface JsonReport {
  version: 1;
  command: string;
  dryRun: boolean;
  exitCode: number;
  durationMs: number;
  interrupted: boolean;
  hosts: HostSummary[];
  results: StepResult[];
  error?: string;
}

export function jsonReport(
  command: string,
  run: ExecuteResult | undefined,
  o: { dryRun: boolean; exitCode: number; durationMs: number; error?: string },
): JsonReport {
  return {
    version: 1,
    command,
    dryRun: o.dryRun,
    exitCode: o.exitCode,
    durationMs: o.durationMs,
    interrupted: run?.interrupted ?? false,
    hosts: run?.hosts ?? [],
    results: run?.results ?? [],
    ...(o.error ? { error: o.error } : {}),
  };
}
