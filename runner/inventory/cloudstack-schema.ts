// The inventory's `cloudstack:` block (with `source: cloudstack`): which VMs become which hosts. Only its shape
// lives here; reading the cloud is runner/cloud/cloudstack/inventory.ts. Every string has a pattern: names and tags
// go into signed API parameters and messages, so no control characters or line breaks.
import * as z from 'zod/mini';

const expect = (what: string) => ({ error: () => what });
const NAME = 'a CloudStack name (letters, digits, space, . _ : / @ + -; 1-255 characters)';
const NAME_RE = /^[\p{L}\p{N} ._:/@+-]{1,255}$/u;
const GLOB = 'a VM name or glob (letters, digits, . _ - * ?)';
const PROFILE = 'a profile name (letters, digits, . _ -)';
const name = z.string(expect(NAME)).check(z.regex(NAME_RE, expect(NAME)));
const glob = z.string(expect(GLOB)).check(z.regex(/^[A-Za-z0-9._*?-]{1,253}$/, expect(GLOB)));

const groupRule = z.strictObject(
  {
    /** Every tag must be on the VM (CloudStack's tags[i].key / tags[i].value filter). */
    tags: z.optional(z.record(name, name, expect('a mapping of tag key to value'))),
    /** The VM's name must match one of these. */
    names: z.optional(z.array(glob, expect('a list of VM names or globs'))),
  },
  expect('a mapping with tags and/or names'),
);

const count = (what: string) => z.int(expect(what)).check(z.minimum(1, expect(what)), z.maximum(50, expect(what)));
const CIDR = 'an IPv4 network (a.b.c.d/n)';

/** What `haforge cloud up` makes (names as CloudStack shows them; looked up, never guessed). */
const provisionBlock = z.strictObject(
  {
    template: name,
    offering: name,
    network: z.optional(name),
    keypair: z.optional(name),
    /** Registered as the key pair when CloudStack has none of that name. */
    public_key: z.optional(z.string(expect('a file path')).check(z.regex(/^[^\p{Cc}]{1,4096}$/u, expect('a file path')))),
    lbs: z.optional(count('1-50 load balancers')),
    webs: z.optional(count('1-50 web nodes')),
    /** Who may reach port 22. */
    ssh_from: z.optional(z.string(expect(CIDR)).check(z.regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, expect(CIDR)))),
  },
  expect('a mapping with template, offering (and optionally network, keypair, public_key, lbs, webs, ssh_from)'),
);

export const cloudstackBlock = z.strictObject(
  {
    profile: z.optional(z.string(expect(PROFILE)).check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, expect(PROFILE)))),
    ca_file: z.optional(z.string(expect('a file path')).check(z.regex(/^[^\p{Cc}]{1,4096}$/u, expect('a file path')))),
    allow_http: z.optional(z.boolean(expect('true or false'))),
    timeout: z.optional(z.int(expect('seconds, 1-600')).check(z.minimum(1, expect('seconds, 1-600')), z.maximum(600, expect('seconds, 1-600')))),
    zone: z.optional(name),
    project: z.optional(name),
    /** Only VMs tagged haforge:cluster=NAME (what `haforge cloud up` makes). */
    cluster: z.optional(z.string(expect('a cluster name (letters, digits, _ -)')).check(z.regex(/^[A-Za-z0-9_-]{1,63}$/, expect('a cluster name (letters, digits, _ -)')))),
    /** Which address becomes the host's: the NIC's (private) or the static NAT one (public). */
    address: z.optional(z.enum(['private', 'public'], expect('private or public'))),
    /** The NIC on this network (by name); default the VM's default NIC. */
    network: z.optional(name),
    /** Group name -> which VMs are in it; default: tag haforge:role = lb / web. */
    groups: z.optional(z.record(z.string(), groupRule, expect('a mapping of group name to a rule (tags, names)'))),
    provision: z.optional(provisionBlock),
  },
  expect('a mapping of CloudStack settings'),
);

export type CloudStackInput = z.infer<typeof cloudstackBlock>;
