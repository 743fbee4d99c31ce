// Issue 19, item 2: where the CloudStack key and secret come from (environment, python-cs's cloudstack.ini, cmk's
// config), in the README's order, and that no message ever carries the key or the secret.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveCredentials, type CredentialOptions } from '../../runner/cloud/cloudstack/credentials.js';
import { parseIni } from '../../runner/cloud/cloudstack/ini.js';

const SECRET = 'S3cr%t/+=~-never-shown';
const KEY = 'AK-never-shown-either';

function home(files: Record<string, string> = {}): { home: string; cwd: string } {
  const h = mkdtempSync(join(tmpdir(), 'hf-cs-cred-'));
  const cwd = join(h, 'work');
  mkdirSync(cwd);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(h, p, '..'), { recursive: true });
    writeFileSync(join(h, p), text);
  }
  return { home: h, cwd };
}

function error(o: CredentialOptions): string {
  try {
    resolveCredentials(o);
  } catch (e) {
    const m = (e as Error).message;
    expect(m).not.toContain(SECRET);
    expect(m).not.toContain(KEY);
    expect((e as { kind?: string }).kind).toBe('config');
    return m;
  }
  throw new Error('expected an error');
}

const fullEnv = { CLOUDSTACK_ENDPOINT: 'https://env/client/api', CLOUDSTACK_KEY: KEY, CLOUDSTACK_SECRET: SECRET };
const csIni = (section: string, endpoint: string) => `# python-cs\n[${section}]\nendpoint = ${endpoint}\nkey = ${KEY}\nsecret: ${SECRET}\ntimeout = 30\n`;

describe('CloudStack credentials', () => {
  test('the environment wins over the files, like python-cs without CLOUDSTACK_OVERRIDES', () => {
    const h = home({ '.cloudstack.ini': csIni('cloudstack', 'https://ini/client/api') });
    expect(resolveCredentials({ ...h, env: fullEnv })).toEqual({ endpoint: 'https://env/client/api', apiKey: KEY, secretKey: SECRET, source: 'the environment' });
  });

  test('a partial environment names the variables that are missing, and no value', () => {
    const m = error({ ...home(), env: { CLOUDSTACK_ENDPOINT: 'https://env/client/api', CLOUDSTACK_SECRET: SECRET } });
    expect(m).toBe('CLOUDSTACK_ENDPOINT and CLOUDSTACK_SECRET set but not CLOUDSTACK_KEY: set all three (or none, to use ~/.cloudstack.ini)');
  });

  test('nothing anywhere: the variables and the files are named', () => {
    const m = error({ ...home(), env: {} });
    expect(m).toContain('CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET');
    expect(m).toContain('~/.cloudstack.ini');
    expect(m).toContain('~/.cmk/config');
  });

  test('~/.cloudstack.ini [cloudstack], then ./cloudstack.ini and $CLOUDSTACK_CONFIG override it key by key', () => {
    const h = home({ '.cloudstack.ini': csIni('cloudstack', 'https://home/client/api') });
    expect(resolveCredentials({ ...h, env: {} })).toMatchObject({ endpoint: 'https://home/client/api', secretKey: SECRET, source: '~/.cloudstack.ini [cloudstack]' });
    writeFileSync(join(h.cwd, 'cloudstack.ini'), '[cloudstack]\nendpoint = https://cwd/client/api\n');
    const extra = join(h.home, 'extra.ini');
    writeFileSync(extra, '[cloudstack]\nkey = other-key\n');
    const c = resolveCredentials({ ...h, env: { CLOUDSTACK_CONFIG: extra } });
    expect(c).toMatchObject({ endpoint: 'https://cwd/client/api', apiKey: 'other-key', secretKey: SECRET });
  });

  test('the profile: the inventory names it, else $CLOUDSTACK_REGION; an explicit profile ignores the environment', () => {
    const h = home({ '.cloudstack.ini': `${csIni('cloudstack', 'https://default/client/api')}${csIni('lab', 'https://lab/client/api')}` });
    expect(resolveCredentials({ ...h, env: { CLOUDSTACK_REGION: 'lab' } }).endpoint).toBe('https://lab/client/api');
    expect(resolveCredentials({ ...h, env: fullEnv, profile: 'lab' })).toMatchObject({ endpoint: 'https://lab/client/api', source: '~/.cloudstack.ini [lab]' });
    expect(error({ ...h, env: {}, profile: 'prod' })).toMatch(/^no CloudStack profile "prod" \(cloudstack.profile\) in ~\/.cloudstack.ini, .*cloudstack.ini, ~\/.cmk\/config$/);
  });

  test('an incomplete section names its missing keys', () => {
    const h = home({ '.cloudstack.ini': `[cloudstack]\nendpoint = https://x/client/api\nsecret = ${SECRET}\n` });
    expect(error({ ...h, env: {} })).toBe('~/.cloudstack.ini [cloudstack] has no key: haforge signs requests with an API key and secret (endpoint, key, secret)');
  });

  test("cmk's config: its current profile, or the one the inventory names; username/password alone is not enough", () => {
    const cmk = `prompt = 🐵\nasyncblock = true\nprofile = localcloud\n\n[localcloud]\nurl = http://localhost:8080/client/api\nusername = admin\npassword = ${SECRET}\n\n[prod]\nurl = https://prod/client/api\napikey = ${KEY}\nsecretkey = ${SECRET}\n`;
    const h = home({ '.cmk/config': cmk });
    expect(error({ ...h, env: {} })).toBe('~/.cmk/config [localcloud] has no apikey, secretkey: haforge signs requests with an API key and secret (url, apikey, secretkey)');
    expect(resolveCredentials({ ...h, env: {}, profile: 'prod' })).toEqual({ endpoint: 'https://prod/client/api', apiKey: KEY, secretKey: SECRET, source: '~/.cmk/config [prod]' });
  });

  test('INI: comments, both separators, top-level keys, values kept as written (a % is no interpolation)', () => {
    const ini = parseIni('top = 1\n; c\n# c\n[a]\nK = v=1\nx: y:z\n[a]\nk2 = %(x)s\n');
    expect(ini.get('')?.get('top')).toBe('1');
    expect(Object.fromEntries(ini.get('a')!)).toEqual({ k: 'v=1', x: 'y:z', k2: '%(x)s' });
  });
});
