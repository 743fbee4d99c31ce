// The inventory file's shape (keys and value types), checked with zod. zod's own messages are
// replaced: each leaf says what it expects, and toProblems() adds what was found and a hint.
// Cross-host rules (lb/web, duplicates, files on disk) live in load.ts.
import { isIP } from 'node:net';
// zod/mini: the same checks and issues as zod's classic API, without its method chains and locales, which
// made zod 750 KB of the bundle and about 25 ms of every start.
import * as z from 'zod/mini';
import { closest, describe, formatPath, type Problem } from './errors.js';
import { groupOptions } from './group-options.js';
import { expectedOf, isVar, type OptionSpec } from './option.js';
import { optionSchema } from './option-schema.js';
import { cloudstackBlock } from './cloudstack-schema.js';

const [serialOption, maxFailOption] = groupOptions as [OptionSpec, OptionSpec];

/** zod option: our words instead of zod's; "found ..." is added when translating. */
const expect = (what: string) => ({ error: () => what });

const PORT = 'an integer 1-65535';
const ADDRESS = 'an IPv4 or IPv6 address or a DNS name';
const ENV = 'an environment variable name (letters, digits, _)';
const BOOL = 'true or false';
const HOST = 'a mapping of host settings';

const port = z.int(expect(PORT)).check(z.minimum(1, expect(PORT)), z.maximum(65535, expect(PORT)));
const text = (what: string) => z.string(expect(what)).check(z.regex(/^\S+$/, expect(what)));
const envName = z.string(expect(ENV)).check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expect(ENV)));
const bool = z.boolean(expect(BOOL));
const VARS = 'a mapping of variables';
/** Vars are checked by name and value once the levels are merged (runner/cli/check-vars.ts, where a typo gets a
 * "did you mean"); here they are only a mapping. The JSON Schema types them (inventoryShape(options)). */
const anyVars = z.nullable(z.record(z.string(), z.unknown(), expect(VARS)));
const nonEmpty = (what: string) => z.string(expect(what)).check(z.minLength(1, expect(what)));
const address = z.string(expect(ADDRESS)).check(z.refine(isAddress, expect(ADDRESS)));
const JUMP = 'a jump host ([user@]host[:port], several separated by commas), or none';
const SERIAL = expectedOf(serialOption);
const PERCENT = expectedOf(maxFailOption);
/** Ansible's `serial`: hosts per batch, as a count or a share of the group. */
export const serialSchema = optionSchema(serialOption) as z.ZodMiniType<number | string>;
const percent = optionSchema(maxFailOption) as z.ZodMiniType<number>;

/** IPv4/IPv6 literal or an RFC 1123 host name. `300.1.2.3` is neither: all-numeric names are not names. */
export function isAddress(value: string): boolean {
  if (isIP(value)) return true;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253 || /^[\d.]+$/.test(name)) return false;
  return name.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/** Connection settings: the same keys at every level (global ssh, group ssh, host). */
const sshKeys = {
  user: z.optional(text('a user name')),
  port: z.optional(port),
  key: z.optional(nonEmpty('a path to a private key file')),
  agent: z.optional(bool),
  password_env: z.optional(envName),
  password: z.optional(z.string(expect('a string')).check(z.minLength(1, expect('a non-empty string')))),
  sudo: z.optional(bool),
  sudo_password_env: z.optional(envName),
  jump: z.optional(z.union([text(JUMP), z.array(text(JUMP), expect(JUMP))], expect(JUMP))),
};

/** The file's shape with `vars` as given: a mapping of anything (loading), or typed by the registry (JSON Schema). */
function inventoryShape<V extends z.ZodMiniType>(vars: V) {
  const globalSsh = z.strictObject(
    { ...sshKeys, known_hosts: z.optional(nonEmpty('a file path')), config: z.optional(nonEmpty('a path to an ssh_config file, or none')) },
    expect('a mapping of SSH settings'),
  );
  const groupSsh = z.strictObject(sshKeys, expect('a mapping of SSH settings'));
  const host = z.strictObject({ address: z.optional(address), ...sshKeys, vars: z.optional(vars) }, expect(HOST));
  const group = z.strictObject(
    {
      vars: z.optional(vars),
      ssh: z.optional(z.nullable(groupSsh)),
      // Rolling order (Ansible's meaning): this group's hosts change in batches of `serial`; a batch with more
      // than max_fail_percentage of its hosts failed stops the rollout.
      serial: z.optional(serialSchema),
      max_fail_percentage: z.optional(percent),
      // null: `web1:` with no value, i.e. the host listed by name only (defined in another group).
      hosts: z.optional(z.nullable(z.record(z.string(), z.nullable(host), expect('a mapping of host name to host settings')))),
    },
    expect('a mapping with hosts (and optionally vars, ssh)'),
  );
  const top = z.strictObject(
    {
      vars: z.optional(vars),
      ssh: z.optional(z.nullable(globalSsh)),
      groups: z.optional(z.nullable(z.record(z.string(), z.nullable(group), expect('a mapping of group name to group')))),
      // A dynamic source: hosts come from the cloud's API as well (runner/cloud/cloudstack/inventory.ts).
      source: z.optional(z.literal('cloudstack', expect('cloudstack (the only dynamic source)'))),
      cloudstack: z.optional(cloudstackBlock),
    },
    expect('a mapping'),
  );
  return { top, globalSsh, groupSsh, host, group };
}

const shape = inventoryShape(anyVars);
export const inventorySchema = shape.top;
const { globalSsh, groupSsh, host, group } = shape;

/** The inventory's shape with every var the options declare typed (unknown names are allowed: they are a
 * warning, or a "did you mean" once loaded). What `haforge schema` prints as JSON Schema. */
export function typedInventorySchema(options: readonly OptionSpec[]): z.ZodMiniType {
  const known = Object.fromEntries(options.filter((o) => isVar(o) && o.at !== 'group').map((o) => [o.name, z.optional(optionSchema(o))]));
  return inventoryShape(z.nullable(z.looseObject(known, expect(VARS)))).top;
}

export type InventoryInput = z.infer<typeof inventorySchema>;
export type HostInput = z.infer<typeof host>;
export type SshInput = z.infer<typeof globalSsh>;

type Level = 'top' | 'ssh' | 'group' | 'group ssh' | 'host';

const ALLOWED: Record<Level, string[]> = {
  top: Object.keys(inventorySchema.shape),
  ssh: Object.keys(globalSsh.shape),
  group: Object.keys(group.shape),
  'group ssh': Object.keys(groupSsh.shape),
  host: Object.keys(host.shape),
};

function levelOf(path: readonly PropertyKey[]): Level {
  if (path.length === 0) return 'top';
  if (path.length === 1) return 'ssh';
  if (path.length === 2) return 'group';
  return path.length === 3 ? 'group ssh' : 'host';
}

/** Keys from Ansible inventories, and other likely intents, mapped to ours. */
const ALIASES: Record<string, string> = {
  ansible_host: 'address',
  ansible_ssh_host: 'address',
  host: 'address',
  hostname: 'address',
  ip: 'address',
  ansible_port: 'port',
  ansible_user: 'user',
  username: 'user',
  ansible_ssh_private_key_file: 'key',
  identity_file: 'key',
  ansible_become: 'sudo',
  become: 'sudo',
};

/** Unknown keys that deserve an explanation rather than a spelling suggestion. */
function explainUnknown(key: string, level: Level): string | undefined {
  const sshKey = key in sshKeys || key === 'known_hosts';
  if (/^(ansible_)?(become|sudo)_pass(word)?$/.test(key)) {
    return 'a clear-text sudo password is not accepted; set sudo_password_env: HAFORGE_SUDO_PASSWORD and export the password in that variable';
  }
  if (key === 'known_hosts' && level !== 'ssh') return 'known_hosts can only be set in the top-level ssh block';
  if (key === 'config' && level !== 'ssh') return 'config (the ssh_config file) can only be set in the top-level ssh block';
  if (sshKey && (level === 'top' || level === 'group')) return `SSH settings go under ssh: (ssh: { ${key}: ... })`;
  if (key === 'ssh' && level === 'host') return 'put SSH settings directly on the host (user: ..., port: ...), without ssh:';
  if (key === 'children') return 'nested groups are not supported; list the hosts in each group';
  if (key === 'hosts' && level === 'top') return 'hosts are listed per group: groups.<group>.hosts';
  if (key === 'all' && level === 'top') {
    return 'this looks like an Ansible inventory; haforge starts with groups: (see inventory/example.yaml)';
  }
  return undefined;
}

function unknownKey(key: string, level: Level): string {
  const explained = explainUnknown(key, level);
  if (explained) return `unknown key; ${explained}`;
  const allowed = ALLOWED[level];
  const guess = allowed.includes(ALIASES[key] ?? '') ? ALIASES[key] : closest(key, allowed);
  return guess ? `unknown key; did you mean \`${guess}\`?` : `unknown key; expected one of: ${allowed.join(', ')}`;
}

function unknownCloudStackKey(key: string, path: readonly PropertyKey[]): string {
  const allowed = path.length === 1 ? Object.keys(cloudstackBlock.shape) : path[1] === 'provision' ? ['template', 'offering', 'network', 'keypair', 'public_key', 'lbs', 'webs', 'ssh_from'] : ['tags', 'names'];
  const guess = closest(key, allowed);
  return guess ? `unknown key; did you mean \`${guess}\`?` : `unknown key; expected one of: ${allowed.join(', ')}`;
}

/** A hint for common YAML slips: `sudo: yes` (a string in YAML 1.2), `port: "22"`. */
function hintFor(expected: string, found: unknown): string {
  if ((expected === SERIAL || expected === PERCENT) && typeof found === 'string' && /^\d+$/.test(found)) return ' (write the number without quotes)';
  if (expected === BOOL && typeof found === 'string' && /^(yes|no|on|off)$/i.test(found)) return ' (write true or false)';
  if (expected === PORT && typeof found === 'string' && /^\d+$/.test(found)) return ' (write the number without quotes)';
  if (expected === HOST && typeof found === 'string' && isAddress(found)) return ` (write { address: ${found} })`;
  return '';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** Checks the shape; returns the data typed, or problems worded for users. */
export function checkShape(raw: unknown): { data: InventoryInput; problems: [] } | { data?: undefined; problems: Problem[] } {
  const result = inventorySchema.safeParse(raw);
  if (result.success) return { data: result.data, problems: [] };
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const message = issue.path[0] === 'cloudstack' ? unknownCloudStackKey(key, issue.path) : unknownKey(key, levelOf(issue.path));
        problems.push({ path: formatPath([...issue.path, key]), message });
      }
    } else {
      const found = valueAt(raw, issue.path);
      const message = `expected ${issue.message}, found ${describe(found)}${hintFor(issue.message, found)}`;
      problems.push({ path: formatPath(issue.path), message });
    }
  }
  return { problems };
}
