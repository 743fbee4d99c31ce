// Found by the fuzzing (fuzz-inventory.test.ts): a big inventory must fail fast, or load fast, never hang.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError, loadInventory, parseInventory } from '../../runner/inventory/index.js';
import { MAX_INVENTORY_BYTES } from '../../runner/inventory/yaml-source.js';

const BASE = 'groups:\n  lb:\n    hosts:\n      lb1: { address: 10.0.0.1 }\n  web:\n    hosts:\n      web1: { address: 10.0.0.2 }\n';
const parse = (src: string) => parseInventory(src, { file: 'big.yaml', checkFiles: false, env: {} });

function attempt<T>(fn: () => T): { value?: T; error?: unknown } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

describe('inventory size bounds', () => {
  it('a 10 MB file is refused at once with its size (YAML took 4 s over one 10 MB string)', () => {
    const r = attempt(() => parse(`${BASE}vars:\n  stats_user: "${'a'.repeat(10 << 20)}"\n`));
    expect(r.error).toBeInstanceOf(InventoryError);
    expect((r.error as InventoryError).exitCode).toBe(2);
    expect((r.error as Error).message).toBe('big.yaml: the file is 10.0 MB; an inventory is at most 256 KB (a 1000-host one is about 60 KB)');
  });

  it('a file over the limit is refused from its size, unread (a 3 GiB sparse file: reading it would fail or take seconds)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-big-'));
    try {
      const file = join(dir, 'huge.yaml');
      writeFileSync(file, BASE);
      truncateSync(file, 3 * 2 ** 30);
      const r = attempt(() => loadInventory(file));
      expect(r.error).toBeInstanceOf(InventoryError);
      expect((r.error as Error).message).toBe(`${file}: the file is 3072.0 MB; an inventory is at most 256 KB (a 1000-host one is about 60 KB)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the limit counts bytes, so multi-byte text counts as what it weighs on disk', () => {
    const pad = MAX_INVENTORY_BYTES - BASE.length - 20;
    expect(() => parse(`${BASE}# ${'x'.repeat(pad)}\n`)).not.toThrow();
    expect(() => parse(`${BASE}# ${'é'.repeat(pad)}\n`)).toThrow(/the file is \d+ KB; an inventory is at most 256 KB/);
  });

  // How long it takes is measured in bench/, not asserted here (a timed test fails on a loaded machine).
  it('thousands of hosts load (the duplicate-key check and group lookups were quadratic: 20,000 hosts took 11 s)', () => {
    const hosts = Array.from({ length: 5000 }, (_, i) => `      w${i}: { address: 10.1.${i % 250}.2 }\n`).join('');
    const r = attempt(() => parse(`${BASE}${hosts}`));
    expect(r.error).toBeUndefined();
    expect(r.value!.hosts).toHaveLength(5002);
  });

  it('a duplicate key is still a syntax error at its line and column, a repeated host name too', () => {
    expect(() => parse(`${BASE}      web1: { address: 10.0.0.3 }\n`)).toThrow(
      'big.yaml:8:7: YAML syntax error: duplicate key (a key, or a host name within a group, may appear only once)',
    );
    expect(() => parse(`vars:\n  php: true\n  php: false\n${BASE}`)).toThrow(/^big\.yaml:3:3: YAML syntax error: duplicate key/);
    // Different scalars in YAML, one key in the loaded mapping: as the yaml package itself decides, not a duplicate.
    expect(() => parse(`vars:\n  1: a\n  "1": b\n${BASE}`)).not.toThrow(InventoryError);
  });
});
