// The `diff` package, loaded only when a check finds a change: a no-op run never needs it.
import type { createTwoFilesPatch } from 'diff';

let loaded: Promise<typeof createTwoFilesPatch> | undefined;

export function unifiedDiff(): Promise<typeof createTwoFilesPatch> {
  loaded ??= import('diff').then((m) => m.createTwoFilesPatch);
  return loaded;
}
