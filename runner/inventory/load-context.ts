// What every stage of loading shares: where relative paths start, the environment, and the problems and
// warnings found so far (keyed by text, so a global setting shared by every host is reported once).
import type { Problem } from './errors.js';

export interface Context {
  baseDir: string;
  home: string;
  env: Record<string, string | undefined>;
  checkFiles: boolean;
  /** Keyed by text: a global setting shared by every host is reported once. */
  problems: Map<string, Problem>;
  warnings: Map<string, string>;
}

export function report(ctx: Context, path: string, message: string): void {
  ctx.problems.set(`${path}\0${message}`, { path, message });
}

export function warn(ctx: Context, path: string, message: string): void {
  ctx.warnings.set(`${path}\0${message}`, `${path}: ${message}`);
}
