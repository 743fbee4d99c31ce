// Where the CloudStack API key and secret come from, in this order (first complete source wins, sources are never
// mixed field by field):
//  1. the environment: CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET (python-cs's and Ansible's names);
//     skipped when the inventory names a profile;
//  2. python-cs's INI files, ~/.cloudstack.ini, ./cloudstack.ini, $CLOUDSTACK_CONFIG (later files override
//     earlier ones), section = the inventory's profile, else $CLOUDSTACK_REGION, else `cloudstack`;
//  3. cmk's ~/.cmk/config, section = the inventory's profile, else cmk's own current `profile`.
// Messages name variables, files, sections and keys, never a value: the secret (and the key) stay out of output.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudStackError } from './errors.js';
import { mergeIni, parseIni, type Ini } from './ini.js';

export interface CloudStackCredentials {
  endpoint: string;
  apiKey: string;
  secretKey: string;
  /** Where they were found, for messages: `the environment`, `~/.cloudstack.ini [lab]`, ... */
  source: string;
}

export interface CredentialOptions {
  env?: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd?: string;
  /** The inventory's cloudstack.profile: a section of cloudstack.ini or of cmk's config. */
  profile?: string;
}

const ENV = ['CLOUDSTACK_ENDPOINT', 'CLOUDSTACK_KEY', 'CLOUDSTACK_SECRET'] as const;

const fail = (message: string) => new CloudStackError('config', message);

function readIni(path: string): Ini | undefined {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The three values from one section, or a message naming what the section lacks. */
function fromSection(section: Map<string, string>, where: string, names: [string, string, string]): CloudStackCredentials {
  const [e, k, s] = names.map((n) => section.get(n) ?? '');
  const missing = names.filter((n) => !section.get(n));
  if (missing.length) throw fail(`${where} has no ${missing.join(', ')}: haforge signs requests with an API key and secret (${names.join(', ')})`);
  return { endpoint: e!, apiKey: k!, secretKey: s!, source: where };
}

export function resolveCredentials(o: CredentialOptions): CloudStackCredentials {
  const env = o.env ?? process.env;
  const tilde = (p: string) => (p.startsWith(o.home) ? `~${p.slice(o.home.length)}` : p);
  if (o.profile === undefined) {
    const set = ENV.filter((n) => env[n]);
    if (set.length === ENV.length) return { endpoint: env.CLOUDSTACK_ENDPOINT!, apiKey: env.CLOUDSTACK_KEY!, secretKey: env.CLOUDSTACK_SECRET!, source: 'the environment' };
    if (set.length) throw fail(`${set.join(' and ')} set but not ${ENV.filter((n) => !env[n]).join(' and ')}: set all three (or none, to use ~/.cloudstack.ini)`);
  }

  const csFiles = [join(o.home, '.cloudstack.ini'), resolve(o.cwd ?? process.cwd(), 'cloudstack.ini'), ...(env.CLOUDSTACK_CONFIG ? [resolve(env.CLOUDSTACK_CONFIG)] : [])];
  const found = csFiles.map((f) => [f, readIni(f)] as const).filter((x): x is readonly [string, Ini] => x[1] !== undefined);
  const section = o.profile ?? (env.CLOUDSTACK_REGION || 'cloudstack');
  const merged = found.reduce<Ini>((acc, [, ini]) => mergeIni(acc, ini), new Map());
  const csSection = merged.get(section);
  if (csSection) {
    const files = found.filter(([, ini]) => ini.has(section)).map(([f]) => tilde(f));
    return fromSection(csSection, `${files.join(', ')} [${section}]`, ['endpoint', 'key', 'secret']);
  }

  const cmkFile = join(o.home, '.cmk', 'config');
  const cmk = readIni(cmkFile);
  const cmkProfile = o.profile ?? cmk?.get('')?.get('profile');
  const cmkSection = cmkProfile === undefined ? undefined : cmk?.get(cmkProfile);
  if (cmkSection) return fromSection(cmkSection, `${tilde(cmkFile)} [${cmkProfile}]`, ['url', 'apikey', 'secretkey']);

  if (o.profile !== undefined) {
    throw fail(`no CloudStack profile "${o.profile}" (cloudstack.profile) in ${[...csFiles, cmkFile].map(tilde).join(', ')}`);
  }
  throw fail(`no CloudStack credentials: set ${ENV.join(', ')}, or put a [${section}] section (endpoint, key, secret) in ~/.cloudstack.ini, or a cmk profile with apikey and secretkey in ~/.cmk/config`);
}
