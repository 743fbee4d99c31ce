// M3 (issue 21): a file rewritten by replace() keeps its owner and group as well as its mode. The upload sets
// them on the temp file before the rename, but only what it is given: replace() gave the mode alone, so a
// root:haproxy 0640 file came back root:root (the login's) after an edit.
import { describe, expect, test } from 'vitest';
import { replace } from '../../runner/engine/primitives/replace.js';
import type { HostContext } from '../../runner/engine/types.js';
import { executeActions } from '../../runner/engine/actions/index.js';
import type { UploadOptions } from '../../runner/transport/types.js';

describe('replace keeps owner, group and mode', () => {
  test('root:haproxy 0640 stays root:haproxy 0640', async () => {
    const uploads: { path: string; content: string; opts?: UploadOptions }[] = [];
    const h = {
      run: async () => ({ stdout: '640 root haproxy\nENABLED=0\nOTHER=1\n', stderr: '', code: 0, signal: null }),
      upload: async (path: string, content: string, opts?: UploadOptions) => void uploads.push({ path, content, opts }),
    } as unknown as HostContext;
    const step = replace({ path: '/etc/default/haproxy', pattern: /^ENABLED=0$/m, replacement: 'ENABLED=1' });
    const c = await step.check(h);
    expect(c.state).toBe('change');
    if (c.state === 'change') await executeActions(h, c.actions);
    expect(uploads).toEqual([{ path: '/etc/default/haproxy', content: 'ENABLED=1\nOTHER=1\n', opts: { mode: 0o640, owner: 'root', group: 'haproxy' } }]);
  });
});
