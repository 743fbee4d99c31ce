// A fake CloudStack management server for tests: the real one cannot run here. It checks signatures and the
// expires window as CloudStack does (verify.ts), answers in CloudStack's JSON shapes (wrappers, empty lists as {},
// count = total), pages as BaseListCmd does (page and pagesize together, at most 500), runs async commands as
// jobs that stay pending for a few polls, and fails with CloudStack's error codes.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { provisioningCommands } from './provisioning.js';
import { verifyRequest } from './verify.js';

type Json = Record<string, unknown>;

export interface FakeVm {
  id: string;
  name: string;
  state: string;
  zoneid: string;
  zonename: string;
  nic: { id: string; networkid: string; networkname: string; ipaddress: string; isdefault: boolean; secondaryip?: { id: string; ipaddress: string }[] }[];
  tags: { key: string; value: string; resourcetype: 'UserVm'; resourceid: string }[];
  publicip?: string;
  [k: string]: unknown;
}

/** What an async job ends with: its result object under `key`, or CloudStack's error code and text. */
export type JobOutcome = ({ key: string; value: Json } | { code: number; text: string }) & {
  /** Polls it answers "pending" first (default: the server's pendingPolls; Infinity: never done). */
  pendingPolls?: number;
};

interface Job {
  pendingPolls: number;
  result: { ok: true; key: string; value: Json } | { ok: false; code: number; text: string };
  cmd: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly cs: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeCloudStackOptions {
  keys: Record<string, string>;
  /** Polls a job answers "pending" before it is done; default 1. */
  pendingPolls?: number;
  /** Server clock (the expires check); default Date.now. */
  now?: () => number;
  /** Commands beyond the built-in ones; throw ApiError to fail. A returned `{ job: ... }` becomes an async job. */
  commands?: Record<string, (p: Map<string, string>, cs: FakeCloudStack) => Json | { job: JobOutcome }>;
  /** Serve https with this certificate and key (PEM), as a management server behind a private CA does. */
  tls?: { cert: string; key: string };
}

const MAX_PAGE = 500;

export class FakeCloudStack {
  readonly zones: Json[] = [{ id: 'zone-1', name: 'zone1', networktype: 'Advanced', securitygroupsenabled: true }];
  readonly projects: Json[] = [];
  readonly templates: Json[] = [{ id: 'tpl-1', name: 'debian-12', ostypename: 'Debian GNU/Linux 12 (64-bit)', isready: true }];
  readonly offerings: Json[] = [{ id: 'off-1', name: 'small', cpunumber: 1, memory: 1024 }];
  readonly networks: Json[] = [{ id: 'net-1', name: 'net1', zoneid: 'zone-1', type: 'Shared' }];
  readonly keypairs: Json[] = [];
  readonly securityGroups: (Json & { id: string; name: string; ingressrule: Json[]; tags: { key: string; value: string }[] })[] = [];
  /** Deploys that succeed before one fails with 533 (a failure halfway through `cloud up`); undefined: never. */
  failDeployAfter?: number;
  readonly vms: FakeVm[] = [];
  readonly jobs = new Map<string, Job>();
  /** Every request's decoded command, for tests that count calls. */
  readonly calls: string[] = [];
  private server?: Server;

  constructor(private readonly o: FakeCloudStackOptions) {}

  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = this.o.tls ? createTlsServer(this.o.tls, handler) : createServer(handler);
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return `${this.o.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/api`;
  }

  stop(): Promise<void> {
    return new Promise((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** A VM as UserVmResponse shows it; `over` sets other fields (state, publicip, projectid/project, nic, ...). */
  addVm(name: string, ip: string, tags: Record<string, string> = {}, over: Partial<FakeVm> = {}): FakeVm {
    const id = randomUUID();
    const vm: FakeVm = {
      id, name, displayname: name, state: 'Running', zoneid: 'zone-1', zonename: 'zone1', account: 'admin', domain: 'ROOT',
      templatename: 'debian-12', serviceofferingname: 'small', hypervisor: 'KVM',
      nic: [{ id: randomUUID(), networkid: 'net-1', networkname: 'net1', ipaddress: ip, isdefault: true }],
      tags: Object.entries(tags).map(([key, value]) => ({ key, value, resourcetype: 'UserVm', resourceid: id })),
      ...over,
    };
    this.vms.push(vm);
    return vm;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: Json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const verdict = verifyRequest(url.search.slice(1), new Map(Object.entries(this.o.keys)), this.o.now?.() ?? Date.now());
    const command = verdict.ok ? (verdict.params.get('command') ?? '') : '';
    const wrapper = `${command.toLowerCase()}response`;
    if (!verdict.ok) {
      // CloudStack says no more than this; the reason stays in its log.
      send(401, { errorresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' } });
      return;
    }
    this.calls.push(command);
    try {
      send(200, { [wrapper]: this.run(command, verdict.params) });
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(530, 9999, String(e));
      send(err.code, { [command && this.known(command) ? wrapper : 'errorresponse']: { uuidList: [], errorcode: err.code, cserrorcode: err.cs, errortext: err.message } });
    }
  }

  private known(command: string): boolean {
    return command in BUILTIN || command in (this.o.commands ?? {});
  }

  private run(command: string, p: Map<string, string>): Json {
    const custom = this.o.commands?.[command];
    if (custom) {
      const r = custom(p, this);
      if ('job' in r && typeof r.job === 'object' && r.job) return this.startJob(command, r.job as JobOutcome);
      return r as Json;
    }
    const builtin = BUILTIN[command];
    if (!builtin) throw new ApiError(432, 9999, 'The given command does not exist or it is not available for user');
    const r = builtin(p, this);
    return 'job' in r && typeof r.job === 'object' && r.job ? this.startJob(command, r.job as JobOutcome) : (r as Json);
  }

  startJob(cmd: string, result: JobOutcome): Json {
    const jobid = randomUUID();
    const outcome = 'key' in result ? { ok: true as const, key: result.key, value: result.value } : { ok: false as const, code: result.code, text: result.text };
    this.jobs.set(jobid, { cmd, pendingPolls: result.pendingPolls ?? this.o.pendingPolls ?? 1, result: outcome });
    return { jobid, ...('key' in result && typeof result.value.id === 'string' ? { id: result.value.id } : {}) };
  }

  /** BaseListCmd's paging rules, then the slice. */
  page<T>(p: Map<string, string>, items: T[], key: string): Json {
    const page = p.get('page');
    const size = p.get('pagesize');
    if ((page === undefined) !== (size === undefined)) throw new ApiError(431, 4350, '"page" and "pagesize" parameters must be specified together');
    const n = size === undefined ? MAX_PAGE : Number(size);
    if (n > MAX_PAGE) throw new ApiError(431, 4350, `Page size can't exceed max allowed page size value: ${MAX_PAGE}`);
    const start = page === undefined ? 0 : (Number(page) - 1) * n;
    const slice = n === -1 ? items : items.slice(start, start + n);
    return items.length === 0 ? {} : { count: items.length, ...(slice.length ? { [key]: slice } : {}) };
  }
}

/** tags[0].key=role&tags[0].value=lb filters. */
function tagFilters(p: Map<string, string>): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; p.has(`tags[${i}].key`); i++) out.push({ key: p.get(`tags[${i}].key`)!, value: p.get(`tags[${i}].value`) ?? '' });
  return out;
}

const BUILTIN: Record<string, (p: Map<string, string>, cs: FakeCloudStack) => Json | { job: JobOutcome }> = {
  ...provisioningCommands,
  listZones: (p, cs) => cs.page(p, cs.zones.filter((z) => !p.has('name') || z.name === p.get('name')), 'zone'),
  listProjects: (p, cs) => cs.page(p, cs.projects.filter((z) => !p.has('name') || z.name === p.get('name')), 'project'),
  listVirtualMachines: (p, cs) => {
    const tags = tagFilters(p);
    const project = p.get('projectid');
    if (project !== undefined && project !== '-1' && !cs.projects.some((x) => x.id === project)) throw new ApiError(431, 4350, `Unable to find project by id ${project}`);
    // As CloudStack: without projectid only VMs outside projects; -1 every project's too.
    const inProject = (vm: FakeVm) => (project === '-1' ? true : project === undefined ? vm.projectid === undefined : vm.projectid === project);
    const vms = cs.vms.filter(
      (vm) => inProject(vm) && (!p.has('zoneid') || vm.zoneid === p.get('zoneid')) && (!p.has('name') || vm.name === p.get('name')) &&
        (!p.has('state') || vm.state === p.get('state')) && tags.every((t) => vm.tags.some((v) => v.key === t.key && v.value === t.value)),
    );
    return cs.page(p, vms, 'virtualmachine');
  },
  queryAsyncJobResult: (p, cs) => {
    const job = cs.jobs.get(p.get('jobid') ?? '');
    if (!job) throw new ApiError(431, 4350, `Unable to find a job by id ${p.get('jobid')}`);
    if (job.pendingPolls-- > 0) return { jobid: p.get('jobid'), jobstatus: 0, jobresultcode: 0, cmd: job.cmd };
    if (job.result.ok) return { jobid: p.get('jobid'), jobstatus: 1, jobresultcode: 0, jobresulttype: 'object', jobresult: { [job.result.key]: job.result.value }, cmd: job.cmd };
    return { jobid: p.get('jobid'), jobstatus: 2, jobresultcode: 530, jobresulttype: 'object', jobresult: { errorcode: job.result.code, errortext: job.result.text }, cmd: job.cmd };
  },
};
