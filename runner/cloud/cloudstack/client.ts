// A CloudStack API client: signed GET requests (sign.ts), every page of a list, async jobs polled with a time
// limit. node:https rather than fetch: a private CA (cloudstack.ca_file) is one option there, and TLS is always
// verified. Errors are CloudStackError with one line; the secret never leaves this module's closure.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CloudStackError } from './errors.js';
import { requestParams, signedQuery } from './sign.js';

export interface CloudStackConfig {
  /** https://host/client/api */
  endpoint: string;
  apiKey: string;
  secretKey: string;
  /** PEM of a private CA to trust for the endpoint. */
  ca?: string;
  /** Plain http (a lab, never a real cloud). */
  allowHttp?: boolean;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** How long a signature stays valid; default 600 s (python-cs's). */
  expiresS?: number;
  now?: () => Date;
}

export interface JobOptions {
  /** Give up after this long; default 15 min. */
  timeoutMs?: number;
  /** Between polls; default 2 s (what cs and cmk use). */
  pollMs?: number;
  progress?(line: string): void;
}

type Json = Record<string, unknown>;
const PAGE_SIZE = 500; // CloudStack's default.page.size: a larger page is a 431 error, not a clamp

export class CloudStackClient {
  readonly #c: CloudStackConfig;
  readonly #url: URL;

  constructor(config: CloudStackConfig) {
    let url: URL;
    try {
      url = new URL(config.endpoint);
    } catch {
      throw new CloudStackError('config', `the CloudStack endpoint "${config.endpoint}" is not a URL (https://HOST/client/api)`);
    }
    if (url.protocol === 'http:' && !config.allowHttp) {
      throw new CloudStackError('config', `the CloudStack endpoint ${url.origin} is plain http: use https, or set allow_http: true for a test cloud`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new CloudStackError('config', `the CloudStack endpoint must be https://, not ${url.protocol}`);
    }
    this.#c = config;
    this.#url = url;
  }

  /** One call; resolves with the content of the response's single wrapper (`{listzonesresponse: {...}}` -> `{...}`). */
  async call(command: string, params: Readonly<Record<string, string>> = {}): Promise<Json> {
    const now = this.#c.now?.() ?? new Date();
    const expires = new Date(now.getTime() + (this.#c.expiresS ?? 600) * 1000);
    const query = signedQuery(requestParams(command, params, this.#c.apiKey, expires), this.#c.secretKey);
    const { status, body } = await this.#get(`${this.#url.pathname}?${query}`, command);
    let data: Json;
    try {
      data = JSON.parse(body) as Json;
    } catch {
      throw new CloudStackError('api', `${command}: the endpoint answered HTTP ${status} with no CloudStack JSON (is ${this.#url.origin}${this.#url.pathname} the API?)`);
    }
    // The wrapper's name is not always derived from the command (addIpToNic -> addiptovmnicresponse): take the one key.
    const inner = (Object.values(data)[0] ?? {}) as Json;
    if (status === 401) {
      throw new CloudStackError('auth', `${command}: CloudStack refused the request signature or the API key: check the key and secret, and this machine's clock`, 401);
    }
    if (status !== 200 || inner.errorcode !== undefined) {
      const code = Number(inner.errorcode ?? status);
      throw new CloudStackError('api', `${command}: ${oneLine(String(inner.errortext ?? `HTTP ${status}`))} (error ${code})`, code);
    }
    return inner;
  }

  /** Every item of a list command, page by page until `count` are collected. */
  async list<T = Json>(command: string, key: string, params: Readonly<Record<string, string>> = {}): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const r = await this.call(command, { ...params, page: String(page), pagesize: String(PAGE_SIZE) });
      const items = (r[key] as T[] | undefined) ?? []; // an empty list is `{}`: no count, no array
      out.push(...items);
      if (items.length === 0 || out.length >= Number(r.count ?? 0)) return out;
    }
  }

  /** Starts an async command and waits for its job; resolves with jobresult. */
  async job(command: string, params: Readonly<Record<string, string>>, o: JobOptions = {}): Promise<Json> {
    const started = await this.call(command, params);
    const jobid = String(started.jobid ?? '');
    if (!jobid) throw new CloudStackError('api', `${command}: no job id in the answer`);
    const limit = o.timeoutMs ?? 15 * 60_000;
    const t0 = Date.now();
    for (;;) {
      const r = await this.call('queryAsyncJobResult', { jobid });
      const result = (r.jobresult ?? {}) as Json;
      if (r.jobstatus === 1 && Number(r.jobresultcode ?? 0) === 0) return result;
      if (r.jobstatus === 2 || (r.jobstatus === 1 && Number(r.jobresultcode) !== 0)) {
        const code = Number(result.errorcode ?? r.jobresultcode);
        throw new CloudStackError('job', `${command}: ${oneLine(String(result.errortext ?? 'the job failed'))} (error ${code})`, code);
      }
      const waited = Date.now() - t0;
      if (waited >= limit) throw new CloudStackError('timeout', `${command}: job ${jobid} not done after ${Math.round(waited / 1000)} s`);
      o.progress?.(`${command}: waiting for job ${jobid} (${Math.round(waited / 1000)} s)`);
      await new Promise((ok) => setTimeout(ok, Math.min(o.pollMs ?? 2000, limit - waited)));
    }
  }

  #get(path: string, command: string): Promise<{ status: number; body: string }> {
    const timeoutMs = this.#c.timeoutMs ?? 30_000;
    const req = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = req(
        { host: this.#url.hostname, port: this.#url.port || undefined, path, method: 'GET', timeout: timeoutMs, ...(this.#c.ca ? { ca: this.#c.ca } : {}), headers: { accept: 'application/json' } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', (e) => reject(netError(e, this.#url, command)));
        },
      );
      r.on('timeout', () => r.destroy(new CloudStackError('timeout', `${command}: ${this.#url.origin} did not answer within ${timeoutMs / 1000} s`)));
      r.on('error', (e) => reject(e instanceof CloudStackError ? e : netError(e, this.#url, command)));
      r.end();
    });
  }
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function netError(e: Error & { code?: string }, url: URL, command: string): CloudStackError {
  const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' ? 'unknown host' : (e.code ?? oneLine(e.message));
  // A certificate problem names itself: UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT, ...
  const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(why) ? ' (a private CA? set cloudstack.ca_file)' : '';
  return new CloudStackError('unreachable', `${command}: cannot reach ${url.origin}: ${why}${hint}`);
}
