import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { isObject, toJson, type Json, type JsonObject } from './json';
import { readRateHeaders, retryDelay } from '../rate-headers';

/**
 * A small Management API client for reading the tenant (and the few writes the deploy wrapper
 * makes itself: the fingerprint ledger, the sandbox's linking client).
 * Plain HTTPS with keep-alive: the SDK deploy-cli bundles would cost more to load than the plan
 * takes. TLS verification always stays on; a local CA (the sandbox's) is trusted by passing it.
 */

export interface Credentials {
  /** `host` or `host:port`, as AUTH0_DOMAIN. */
  domain: string;
  clientId: string;
  clientSecret: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path with query string, e.g. `/api/v2/clients?page=0`. */
  path: string;
  body?: JsonObject;
  token?: string;
}

export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  text: string;
}

/** Sends one request; injectable so tests can count or fake what reaches the tenant. */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** The Management API answered with an error, or could not be reached: what a person needs to act. */
export class ManagementApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly apiMessage: string,
  ) {
    super(`${method} ${path.split('?')[0]}: ${status === undefined ? '' : `${status} `}${apiMessage}`);
    this.name = 'ManagementApiError';
  }
}

/** HTTPS to `domain`, trusting `ca` (PEM) instead of the system roots when given. */
export function httpsTransport(domain: string, ca?: string | Buffer): Transport {
  const [host = domain, port = '443'] = domain.split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ...(ca === undefined ? {} : { ca }) });
  return (req) =>
    new Promise((resolve, reject) => {
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
      const r = request({ host, port: Number(port), method: req.method, path: req.path, headers, agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('timeout', () => r.destroy(new Error('no answer within 30 s')));
      r.on('error', (error: NodeJS.ErrnoException) => reject(unreachable(domain, req, error, ca !== undefined)));
      r.end(payload);
    });
}

function unreachable(domain: string, req: HttpRequest, error: NodeJS.ErrnoException, customCa: boolean): ManagementApiError {
  const code = error.code ?? error.message;
  const hint = code === 'ECONNREFUSED'
    ? `nothing listens on https://${domain}`
    : /CERT|SELF_SIGNED|VERIFY/.test(code) ? `the TLS certificate of https://${domain} is not trusted${customCa ? ' by the given CA' : ''}` : `cannot reach https://${domain}`;
  return new ManagementApiError(req.method, req.path, undefined, `${hint} (${code})`);
}

/** At most this many requests in flight: well under Auth0's burst limits. */
const CONCURRENCY = 8;
const PER_PAGE = 100;
const MAX_RATE_LIMIT_RETRIES = 3;

export class ManagementApi {
  private token: Promise<string> | undefined;
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    readonly credentials: Credentials,
    private readonly transport: Transport,
  ) {}

  get audience(): string {
    return `https://${this.credentials.domain}/api/v2/`;
  }

  async get(path: string): Promise<Json> {
    return this.send({ method: 'GET', path: `/api/v2${path}` });
  }

  /** Like `get`, but a 404 is an answer ("not there"), not an error. */
  async getOptional(path: string): Promise<Json | undefined> {
    try {
      return await this.get(path);
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async post(path: string, body: JsonObject): Promise<Json> {
    return this.send({ method: 'POST', path: `/api/v2${path}`, body });
  }

  async patch(path: string, body: JsonObject): Promise<Json> {
    return this.send({ method: 'PATCH', path: `/api/v2${path}`, body });
  }

  /** Every item of a page-based list (`page`, `per_page`; `{<key>: [...], total}` or a bare array). */
  async pages(path: string, key: string, extra = ''): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    for (let page = 0; ; page += 1) {
      const separator = path.includes('?') ? '&' : '?';
      const body = await this.get(`${path}${separator}page=${page}&per_page=${PER_PAGE}${extra}`);
      const list = Array.isArray(body) ? body : isObject(body) ? body[key] : undefined;
      const pageItems = objects(list, `${path} ${key}`);
      items.push(...pageItems);
      const total = isObject(body) && typeof body.total === 'number' ? body.total : undefined;
      if (pageItems.length < PER_PAGE || (total !== undefined && items.length >= total)) return items;
    }
  }

  /** Every item of a checkpoint-paginated list (`take`, `from` → `{<key>: [...], next?}`). */
  async checkpoint(path: string, key: string): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    let from: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const body = await this.get(`${path}${separator}take=${PER_PAGE}${from === undefined ? '' : `&from=${encodeURIComponent(from)}`}`);
      if (!isObject(body)) throw new Error(`${path}: expected an object with ${key}`);
      items.push(...objects(body[key], `${path} ${key}`));
      from = typeof body.next === 'string' && body.next !== '' ? body.next : undefined;
    } while (from !== undefined);
    return items;
  }

  private async send(req: HttpRequest): Promise<Json> {
    const token = await this.accessToken();
    return this.limited(() => this.exchange({ ...req, token }));
  }

  private accessToken(): Promise<string> {
    if (this.token) return this.token;
    this.token = this.limited(async () => {
      const body = await this.exchange({
        method: 'POST',
        path: '/oauth/token',
        body: { grant_type: 'client_credentials', client_id: this.credentials.clientId, client_secret: this.credentials.clientSecret, audience: this.audience },
      });
      if (!isObject(body) || typeof body.access_token !== 'string') throw new ManagementApiError('POST', '/oauth/token', 200, 'the answer has no access_token');
      return body.access_token;
    });
    // A failed token request is not remembered: the next call of the run asks again.
    this.token.catch(() => { this.token = undefined; });
    return this.token;
  }

  private async exchange(req: HttpRequest): Promise<Json> {
    for (let attempt = 0; ; attempt += 1) {
      const res = await this.transport(req);
      if (res.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
        await sleep(retryDelayMs(res, attempt));
        continue;
      }
      const body = parseBody(res.text);
      if (res.status >= 200 && res.status < 300) return body ?? null;
      throw new ManagementApiError(req.method, req.path, res.status, errorMessage(body, res.text));
    }
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= CONCURRENCY) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }
}

function objects(value: unknown, where: string): JsonObject[] {
  if (!Array.isArray(value) || !value.every(isObject)) throw new Error(`${where}: expected a list of objects`);
  return value.map((item) => toJson(item, where) as JsonObject);
}

function parseBody(text: string): Json | undefined {
  if (text === '') return undefined;
  try {
    return toJson(JSON.parse(text), 'response');
  } catch {
    return undefined;
  }
}

/** Auth0's error bodies carry `message` (and `error_description` on /oauth/token). */
function errorMessage(body: Json | undefined, text: string): string {
  if (isObject(body)) {
    for (const key of ['message', 'error_description', 'error']) {
      const value = body[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return text.slice(0, 200) || 'no message';
}

function retryDelayMs(res: HttpResponse, attempt: number): number {
  const headers = { get: (name: string): string | null => [res.headers[name]].flat()[0] ?? null };
  // A plan must finish promptly: wait what the tenant asks, within 100 ms to 10 s.
  return Math.min(10_000, Math.max(100, retryDelay(readRateHeaders(headers), attempt)));
}
