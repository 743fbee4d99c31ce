// The lab, as the benchmark uses it: fresh hosts on demand, removed at the end.
export { labUp, labDown, type LabInfo } from '../runner/lab/index.js';
import { aptCacheDir } from '../runner/lab/paths.js';

/** Where a lab name's apt proxy keeps what it fetched (kept across `down`). */
export const aptCacheDirOf = (name: string): string => aptCacheDir(name);
