// `haforge schema` and `haforge help vars` through the real CLI: the JSON Schema printed is what a YAML editor
// gets (checked here by ajv against the example inventories and a broken one), and the vars table lists the
// registry's vars. Both start no connection and need no inventory.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { registry } from '../../recipes/options.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = (args: string[]) => promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'haforge.mjs'), ...args], { env: { PATH: process.env.PATH, NO_COLOR: '1' } });

describe('haforge schema', () => {
  test('prints a draft 2020-12 JSON Schema that the examples pass and a wrong inventory fails', async () => {
    const { stdout } = await run(['schema']);
    const schema = JSON.parse(stdout) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    for (const f of ['example.yaml', 'minimal.yaml']) {
      expect(validate(parse(readFileSync(join(ROOT, 'inventory', f), 'utf8'))), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const wrong = parse(readFileSync(join(ROOT, 'inventory', 'minimal.yaml'), 'utf8')) as Record<string, unknown>;
    wrong.vars = { https_port: 'https' };
    expect(validate(wrong)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/vars/https_port');
  });
});

describe('haforge help vars', () => {
  test('a table of every var with type, default, allowed values, flag and recipes', async () => {
    const { stdout } = await run(['help', 'vars']);
    expect(stdout).toMatch(/^name +type +default +allowed +flag +recipes +description$/m);
    for (const o of registry) expect(stdout).toMatch(new RegExp(`^${o.name} `, 'm'));
    expect(stdout).toMatch(/^persistence +string +"none" +none \| source \| cookie-insert \| cookie-prefix +--persistence +haproxy-config, verify /m);
    expect(stdout).toMatch(/^groups\.G\.serial /m);
  });
});
