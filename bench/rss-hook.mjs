// Loaded with `node --import` in front of bin/haforge.mjs by the benchmark: writes the process's peak resident
// set (KB, getrusage ru_maxrss) to $HAFORGE_BENCH_RSS when it exits. Nothing else.
import { writeFileSync } from 'node:fs';

const out = process.env.HAFORGE_BENCH_RSS;
if (out) {
  process.on('exit', () => {
    try {
      writeFileSync(out, String(process.resourceUsage().maxRSS));
    } catch {
      /* best effort */
    }
  });
}
