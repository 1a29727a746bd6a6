import { Agent, request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { isObject, toJson, type JsonValue, type JsonObject } from './json';
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
    /** No answer: the socket error code (`ECONNRESET`...), `timeout`. */
    readonly networkCode?: string,
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
      const r = request(
        { host, port: Number(port), method: req.method, path: req.path, headers, agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      r.on('timeout', () => r.destroy(Object.assign(new Error('no answer within 30 s'), { code: 'timeout' })));
      r.on('error', (error: NodeJS.ErrnoException) => reject(unreachable(domain, req, error, ca !== undefined)));
      r.end(payload);
    });
}

function unreachable(
  domain: string,
  req: HttpRequest,
  error: NodeJS.ErrnoException,
  customCa: boolean,
): ManagementApiError {
  const code = error.code ?? error.message;
  const hint =
    code === 'ECONNREFUSED'
      ? `nothing listens on https://${domain}`
      : /CERT|SELF_SIGNED|VERIFY/.test(code)
        ? `the TLS certificate of https://${domain} is not trusted${customCa ? ' by the given CA' : ''}`
        : `cannot reach https://${domain}`;
  return new ManagementApiError(req.method, req.path, undefined, `${hint} (${code})`, code);
}

/** At most this many requests in flight: well under Auth0's burst limits. */
const CONCURRENCY = 8;
const PER_PAGE = 100;
/**
 * A request that meets a 429, a 5xx or a dropped connection is sent again, at most MAX_RETRIES
 * times and waiting at most RETRY_BUDGET_MS in all: Retry-After is honoured (beyond 10 s too)
 * while it fits the budget, otherwise exponential backoff (1, 2, 4, 8 s). Every request this
 * reader sends is idempotent (reads, the token, the ledger's PATCH), so a repeat is safe.
 */
export const MAX_RETRIES = 4;
export const RETRY_BUDGET_MS = 60_000;
/** No answer, but worth asking again (not: nothing listening, an untrusted certificate). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'timeout',
]);

export interface ManagementApiOptions {
  /** How to wait between attempts; tests record the delays instead of waiting. */
  sleep?: (ms: number) => Promise<unknown>;
}

export class ManagementApi {
  private token: Promise<string> | undefined;
  private active = 0;
  private readonly queue: (() => void)[] = [];

  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(
    readonly credentials: Credentials,
    private readonly transport: Transport,
    options: ManagementApiOptions = {},
  ) {
    this.sleep = options.sleep ?? sleep;
  }

  get audience(): string {
    return `https://${this.credentials.domain}/api/v2/`;
  }

  async get(path: string): Promise<JsonValue> {
    return this.send({ method: 'GET', path: `/api/v2${path}` });
  }

  /** Like `get`, but a 404 is an answer ("not there"), not an error. */
  async getOptional(path: string): Promise<JsonValue | undefined> {
    try {
      return await this.get(path);
    } catch (error) {
      if (error instanceof ManagementApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async patch(path: string, body: JsonObject): Promise<JsonValue> {
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
      const body = await this.get(
        `${path}${separator}take=${PER_PAGE}${from === undefined ? '' : `&from=${encodeURIComponent(from)}`}`,
      );
      if (!isObject(body)) throw new Error(`${path}: expected an object with ${key}`);
      items.push(...objects(body[key], `${path} ${key}`));
      from = typeof body.next === 'string' && body.next !== '' ? body.next : undefined;
    } while (from !== undefined);
    return items;
  }

  private async send(req: HttpRequest): Promise<JsonValue> {
    const token = await this.accessToken();
    return this.limited(() => this.exchange({ ...req, token }));
  }

  private accessToken(): Promise<string> {
    if (this.token) return this.token;
    this.token = this.limited(async () => {
      const body = await this.exchange({
        method: 'POST',
        path: '/oauth/token',
        body: {
          grant_type: 'client_credentials',
          client_id: this.credentials.clientId,
          client_secret: this.credentials.clientSecret,
          audience: this.audience,
        },
      });
      if (!isObject(body) || typeof body.access_token !== 'string')
        throw new ManagementApiError('POST', '/oauth/token', 200, 'the answer has no access_token');
      return body.access_token;
    });
    // A failed token request is not remembered: the next call of the run asks again.
    this.token.catch(() => {
      this.token = undefined;
    });
    return this.token;
  }

  private async exchange(req: HttpRequest): Promise<JsonValue> {
    let waited = 0;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await this.attempt(req, attempt);
      if (outcome.ok) return outcome.body;
      const { error, retryIn } = outcome;
      if (retryIn === undefined) throw error;
      if (attempt >= MAX_RETRIES) throw gaveUp(error, `gave up after ${attempt + 1} attempts`);
      if (waited + retryIn > RETRY_BUDGET_MS)
        throw gaveUp(
          error,
          `a retry in ${Math.ceil(retryIn / 1000)} s would exceed the ${RETRY_BUDGET_MS / 1000} s retry budget`,
        );
      waited += retryIn;
      await this.sleep(retryIn);
    }
  }

  /** One attempt: the answer, or the error and, when another attempt is worth it, how long to wait first. */
  private async attempt(
    req: HttpRequest,
    attempt: number,
  ): Promise<{ ok: true; body: JsonValue } | { ok: false; error: ManagementApiError; retryIn?: number }> {
    let res: HttpResponse;
    try {
      res = await this.transport(req);
    } catch (error) {
      if (!(error instanceof ManagementApiError)) throw error;
      const transient = error.networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(error.networkCode);
      return { ok: false, error, ...(transient ? { retryIn: retryDelay({}, attempt) } : {}) };
    }
    const body = parseBody(res.text);
    if (res.status >= 200 && res.status < 300) return { ok: true, body: body ?? null };
    const error = new ManagementApiError(req.method, req.path, res.status, errorMessage(body, res.text));
    return { ok: false, error, ...(res.status === 429 || res.status >= 500 ? { retryIn: retryIn(res, attempt) } : {}) };
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

function parseBody(text: string): JsonValue | undefined {
  if (text === '') return undefined;
  try {
    return toJson(JSON.parse(text), 'response');
  } catch {
    return undefined;
  }
}

/** Auth0's error bodies carry `message` (and `error_description` on /oauth/token). */
function errorMessage(body: JsonValue | undefined, text: string): string {
  if (isObject(body)) {
    for (const key of ['message', 'error_description', 'error']) {
      const value = body[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return text.slice(0, 200) || 'no message';
}

/** What the tenant asks (Retry-After, in full: the budget bounds it), else backoff; a 429 may also name the rate-limit reset. */
function retryIn(res: HttpResponse, attempt: number): number {
  const rate = readRateHeaders({ get: (name: string): string | null => [res.headers[name]].flat()[0] ?? null });
  if (rate.retryAfterMs !== undefined) return rate.retryAfterMs;
  return retryDelay(res.status === 429 ? rate : {}, attempt);
}

function gaveUp(error: ManagementApiError, why: string): ManagementApiError {
  return new ManagementApiError(
    error.method,
    error.path,
    error.status,
    `${error.apiMessage} (${why})`,
    error.networkCode,
  );
}
