import type { API, JsonObject } from '../platform/post-login';
import { asNonEmptyString, asRecord, type UnknownRecord } from './untrusted';

/**
 * A tiny Management API client for Actions. Every call shares one hard budget, well under the
 * trigger's 20 s (which all bound Actions share), each request has its own timeout, and a 429 is
 * retried after its Retry-After only when the wait still fits the budget. 5xx and timeouts are not
 * retried: the callers treat any failure as "skip", and a timed-out write may have happened.
 */

export const CALL_TIMEOUT_MS = 2_000;
const BUDGET_MS = 5_000;
const MAX_ATTEMPTS = 3;
const DEFAULT_RETRY_MS = 1_000;
const TOKEN_MARGIN_MS = 60_000;
const MAX_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

export type ManagementErrorCode = 'timeout' | 'budget' | 'network' | 'rate_limited' | 'bad_response' | `http_${number}`;

/** Carries a code only: URLs hold emails and ids, bodies may hold tokens. */
export class ManagementError extends Error {
  constructor(readonly code: ManagementErrorCode) {
    super(`management api: ${code}`);
    this.name = 'ManagementError';
  }
}

export interface ManagementSettings {
  /** `https://host[:port]` */
  origin: string;
  clientId: string;
  clientSecret: string;
}

export interface ManagedIdentity {
  provider: string;
  user_id: string;
  connection?: string;
}

/** The fields of a Management API user the Actions rely on, validated. */
export interface ManagedUser {
  user_id: string;
  email?: string;
  email_verified: boolean;
  /** Auth0's whole-account block (an administrator's). */
  blocked: boolean;
  identities: ManagedIdentity[];
  user_metadata: UnknownRecord;
  app_metadata: UnknownRecord;
}

export interface ManagementClient {
  usersByEmail(email: string): Promise<ManagedUser[]>;
  /** undefined when the user does not exist (404). */
  getUser(userId: string): Promise<ManagedUser | undefined>;
  updateUser(userId: string, body: JsonObject): Promise<void>;
  linkIdentity(primaryUserId: string, secondary: { provider: string; user_id: string }): Promise<void>;
}

type Cache = API['cache'];

export function createManagementClient(settings: ManagementSettings, cache: Cache): ManagementClient {
  const deadline = Date.now() + BUDGET_MS;
  const cacheKey = `mgmt:${settings.clientId}`.slice(0, 64);
  let token: string | undefined;

  async function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new ManagementError('budget');
      let response: Response;
      try {
        response = await fetch(`${settings.origin}${path}`, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(Math.min(CALL_TIMEOUT_MS, remaining)),
        });
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        throw new ManagementError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network');
      }
      if (response.status !== 429) return response;
      const wait = retryDelayMs(response.headers);
      await response.body?.cancel(); // frees the connection for the retry
      if (attempt >= MAX_ATTEMPTS || Date.now() + wait >= deadline) throw new ManagementError('rate_limited');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async function accessToken(): Promise<string> {
    if (token) return token;
    const cached = cache.get(cacheKey);
    if (cached && typeof cached.value === 'string' && cached.value !== '') return (token = cached.value);
    const response = await send(
      'POST',
      '/oauth/token',
      { 'content-type': 'application/json' },
      JSON.stringify({
        grant_type: 'client_credentials',
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        audience: `${settings.origin}/api/v2/`,
      }),
    );
    if (!response.ok) throw new ManagementError(`http_${response.status}`);
    const answer = asRecord(await readJson(response));
    const fresh = asNonEmptyString(answer?.access_token);
    const expiresIn = answer?.expires_in;
    if (!fresh || typeof expiresIn !== 'number') throw new ManagementError('bad_response');
    // api.cache wants milliseconds; stay a margin below the token's own lifetime.
    const ttl = Math.min(expiresIn * 1000 - TOKEN_MARGIN_MS, MAX_CACHE_TTL_MS);
    // A refused write (e.g. a token over the 4 KB value limit) only costs a token call next time.
    if (ttl > 0) cache.set(cacheKey, fresh, { ttl });
    return (token = fresh);
  }

  async function call(method: string, path: string, body?: JsonObject): Promise<Response> {
    for (let retried = false; ; retried = true) {
      const headers: Record<string, string> = { authorization: `Bearer ${await accessToken()}` };
      if (body) headers['content-type'] = 'application/json';
      const response = await send(method, path, headers, body && JSON.stringify(body));
      if (response.status !== 401 || retried) return response;
      // A revoked or rotated token could sit in api.cache for hours: drop it and fetch one once more.
      await response.body?.cancel();
      cache.delete(cacheKey);
      token = undefined;
    }
  }

  return {
    async usersByEmail(email) {
      const response = await call('GET', `/api/v2/users-by-email?email=${encodeURIComponent(email)}`);
      if (!response.ok) throw new ManagementError(`http_${response.status}`);
      const answer = await readJson(response);
      if (!Array.isArray(answer)) throw new ManagementError('bad_response');
      return answer.map(parseUser).filter((user): user is ManagedUser => user !== undefined);
    },
    async getUser(userId) {
      const response = await call('GET', `/api/v2/users/${encodeURIComponent(userId)}`);
      if (response.status === 404) return undefined;
      if (!response.ok) throw new ManagementError(`http_${response.status}`);
      const user = parseUser(await readJson(response));
      if (!user) throw new ManagementError('bad_response');
      return user;
    },
    async updateUser(userId, body) {
      const response = await call('PATCH', `/api/v2/users/${encodeURIComponent(userId)}`, body);
      if (!response.ok) throw new ManagementError(`http_${response.status}`);
    },
    async linkIdentity(primaryUserId, secondary) {
      const response = await call('POST', `/api/v2/users/${encodeURIComponent(primaryUserId)}/identities`, secondary);
      if (!response.ok) throw new ManagementError(`http_${response.status}`);
    },
  };
}

/** Retry-After in seconds, else X-RateLimit-Reset (epoch seconds), else a short default. */
export function retryDelayMs(headers: Headers): number {
  const retryAfter = Number(headers.get('retry-after') ?? NaN);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return DEFAULT_RETRY_MS;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    throw new ManagementError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'bad_response');
  }
}

function parseUser(value: unknown): ManagedUser | undefined {
  const record = asRecord(value);
  const userId = asNonEmptyString(record?.user_id);
  if (!record || !userId) return undefined;
  const identities = Array.isArray(record.identities) ? record.identities.map(parseIdentity) : [];
  return {
    user_id: userId,
    email: typeof record.email === 'string' ? record.email : undefined,
    email_verified: record.email_verified === true,
    // Read in the direction that refuses: anything but absent or false counts as blocked.
    blocked: record.blocked !== undefined && record.blocked !== null && record.blocked !== false,
    identities: identities.filter((identity): identity is ManagedIdentity => identity !== undefined),
    user_metadata: asRecord(record.user_metadata) ?? {},
    app_metadata: asRecord(record.app_metadata) ?? {},
  };
}

function parseIdentity(value: unknown): ManagedIdentity | undefined {
  const record = asRecord(value);
  const provider = asNonEmptyString(record?.provider);
  // The Management API returns identity user_ids as strings, but numeric ids exist (e.g. some social providers).
  const rawId = record?.user_id;
  const userId = typeof rawId === 'number' ? String(rawId) : asNonEmptyString(rawId);
  if (!provider || !userId) return undefined;
  return { provider, user_id: userId, connection: asNonEmptyString(record?.connection) };
}
