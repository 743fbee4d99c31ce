// A write action run: leftovers removed and the old file kept, a copy validated, the file uploaded, then
// activated; a failed activation puts the backup back and activates that, so the service keeps its last good state.
import { StepError, type HostContext } from '../types.js';
import { restoreCommand, writePlan, type WritePlan } from './commands.js';
import type { WriteAction } from './types.js';

type Phase = 'apply' | 'bookkeeping';

export async function runWrite(h: HostContext, a: WriteAction, phase: Phase): Promise<void> {
  const p = writePlan(a);
  if (p.prepare) await h.sh(p.prepare, { phase });
  if (p.validate) {
    // A copy beside the target (same filesystem, same relative paths) before the target is touched.
    const { copy, run } = p.validate;
    await h.upload(copy.path, copy.content, copy.opts);
    const r = await h.run(run, { phase });
    if (r.code !== 0) {
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /ALERT|WARNING|error|fatal/i.test(l));
      throw new StepError(`validation failed, ${a.path} left unchanged: ${(lines[0] ?? r.stderr.trim()).trim()}`, r.stderr);
    }
  }
  if (p.mark) await h.sh(p.mark, { phase });
  if (p.upload) await h.upload(p.upload.path, p.upload.content, p.upload.opts);
  if (p.activate) await activate(h, a.path, p as Required<Pick<WritePlan, 'activate' | 'settle'>> & WritePlan, phase);
}

async function activate(h: HostContext, path: string, p: { activate: string; fallback?: string; settle: string }, phase: Phase): Promise<void> {
  try {
    await liveOrFallback(h, p, phase);
    await h.sh(p.settle, { phase });
  } catch (err) {
    const restored = await h.run(restoreCommand(path), { phase });
    const again =
      restored.code === 3
        ? 'there is no previous file to restore'
        : restored.code !== 0
          ? `restoring the previous file failed: ${restored.stderr.trim().split('\n').pop() ?? `exit ${restored.code}`}`
          : // The old file's own activation: for a live change, its fallback (a reload), since the live commands
            // apply the new file's difference.
            await h.sh(p.fallback ?? p.activate, { phase }).then(
            async () => {
              await h.sh(p.settle, { phase });
              return 'the previous file was restored and reloaded';
            },
            (e: unknown) => `restoring the previous file also failed: ${e instanceof Error ? e.message : String(e)}`,
          );
    const msg = err instanceof Error ? err.message : String(err);
    throw new StepError(`${msg}; ${again}`);
  }
}

/** The activation; a live one that fails falls back (a reload of the new file) and says why in the log. */
async function liveOrFallback(h: HostContext, p: { activate: string; fallback?: string }, phase: Phase): Promise<void> {
  if (!p.fallback) return void (await h.sh(p.activate, { phase }));
  try {
    await h.sh(p.activate, { phase });
  } catch (live) {
    try {
      await h.sh(p.fallback, { phase });
    } catch (e) {
      const why = (x: unknown) => (x instanceof Error ? x.message : String(x));
      throw new StepError(`the live change failed (${why(live)}), and so did its fallback: ${why(e)}`);
    }
  }
}
