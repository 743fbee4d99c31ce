// Figures for the benchmark table: median and range of repeated timings, ratios, and the markdown table.
// Pure functions, no I/O.

export interface Series {
  /** Seconds (or any unit: the formatter is given it). */
  values: number[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function range(xs: readonly number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}

/** Seconds with a precision that suits their size: 0.412 s, 4.21 s, 35.0 s. */
export function secs(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  return x.toFixed(1);
}

export function mb(kb: number): string {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : '—';
}

/** "0.82 s (0.79–0.90, n=5)"; a single value has no range. */
export function cell(xs: readonly number[], fmt: (x: number) => string = secs, unit = ' s'): string {
  if (xs.length === 0) return '—';
  const m = `${fmt(median(xs))}${unit}`;
  if (xs.length === 1) return `${m} (n=1)`;
  const [lo, hi] = range(xs);
  return `${m} (${fmt(lo)}–${fmt(hi)}, n=${xs.length})`;
}

/** haforge/Ansible of the medians, and how many times faster that is: "0.12 (8.3× faster)". */
export function ratio(haforge: readonly number[], other: readonly number[]): string {
  if (haforge.length === 0 || other.length === 0) return '—';
  const r = median(haforge) / median(other);
  return `${r.toFixed(2)} (${(1 / r).toFixed(1)}× faster)`;
}

export function speedup(haforge: readonly number[], other: readonly number[]): number {
  return median(other) / median(haforge);
}

export function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Samples by figure, then by who was measured (a tool, a build): add(figure, who, value). */
export function addSample<F, W>(samples: Map<F, Map<W, number[]>>, figure: F, who: W, x: number): void {
  const m = samples.get(figure) ?? new Map<W, number[]>();
  m.set(who, [...(m.get(who) ?? []), x]);
  samples.set(figure, m);
}
