import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue, User } from '../../actions/platform/post-login';

/**
 * A fake Auth0 Management API as a `fetch` function, for the Actions under test: client-credentials
 * tokens, users, users-by-email, metadata PATCH (top-level merge, null deletes) and identity
 * linking, with fault injection per route and a log of every call.
 */

export interface FakeIdentity {
  provider: string;
  user_id: string;
  connection: string;
  isSocial?: boolean;
}

export interface FakeUser {
  user_id: string;
  email?: string;
  email_verified: boolean;
  /** Auth0's whole-account block, set by an administrator. */
  blocked?: boolean;
  name?: string;
  identities: FakeIdentity[];
  user_metadata: JsonObject;
  app_metadata: JsonObject;
}

export type Route = 'token' | 'users-by-email' | 'get-user' | 'update-user' | 'link' | 'unknown';

export type Fault =
  /** 429 `times` times (Retry-After header as given; null = no header), then normal answers. */
  | { route: Route; kind: 'rate-limit'; times: number; retryAfter: string | null }
  /** `status` for `times` calls (default: every call). */
  | { route: Route; kind: 'error'; status: number; times?: number }
  /** Never answers; rejects when the caller's signal aborts. */
  | { route: Route; kind: 'hang' }
  /** Once: the request takes effect, then its answer is lost (hangs until the caller aborts). */
  | { route: Route; kind: 'lost-answer' }
  /**
   * Once: the request is answered, then `write` changes the stored users, like an administrator's
   * write landing just after the Action's read (and so before any write the Action bases on it).
   */
  | { route: Route; kind: 'concurrent-write'; write: (users: Map<string, FakeUser>) => void };

export interface Call {
  route: Route;
  method: string;
  /** Path and query. */
  path: string;
  status: number | 'aborted';
  body?: unknown;
}

export interface FakeManagementApi {
  readonly domain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  fetch: typeof fetch;
  calls: Call[];
  users: Map<string, FakeUser>;
  count(route?: Route): number;
  addUser(user: FakeUser): void;
  inject(fault: Fault): void;
  /** Fresh users, no faults, no calls (issued tokens stay valid). */
  reset(users?: FakeUser[]): void;
}

export const FAKE_DOMAIN = 'tenant.example.auth0.test';
export const FAKE_CLIENT_ID = 'mgmt-client-id';
export const FAKE_CLIENT_SECRET = randomBytes(24).toString('base64url');

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function route(method: string, path: string): { route: Route; id?: string } {
  if (method === 'POST' && path === '/oauth/token') return { route: 'token' };
  if (method === 'GET' && path === '/api/v2/users-by-email') return { route: 'users-by-email' };
  const link = /^\/api\/v2\/users\/([^/]+)\/identities$/.exec(path);
  if (method === 'POST' && link) return { route: 'link', id: decodeURIComponent(link[1] as string) };
  const user = /^\/api\/v2\/users\/([^/]+)$/.exec(path);
  if (user && (method === 'GET' || method === 'PATCH'))
    return { route: method === 'GET' ? 'get-user' : 'update-user', id: decodeURIComponent(user[1] as string) };
  return { route: 'unknown' };
}

function mergeMetadata(target: JsonObject, patch: unknown): void {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return;
  for (const [key, value] of Object.entries(patch as Record<string, JsonValue>)) {
    if (value === null) delete target[key];
    else target[key] = structuredClone(value);
  }
}

export function createFakeManagementApi(
  options: { users?: FakeUser[]; tokenExpiresIn?: number } = {},
): FakeManagementApi {
  const users = new Map<string, FakeUser>();
  const issued = new Set<string>();
  let faults: (Fault & { used: number })[] = [];
  const calls: Call[] = [];

  const handle = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    const { route: name, id } = route(method, url.pathname);
    const rawBody = typeof init.body === 'string' ? init.body : undefined;
    const body: unknown = rawBody === undefined ? undefined : JSON.parse(rawBody);
    const call: Call = { route: name, method, path: url.pathname + url.search, status: 0, body };
    calls.push(call);
    const answer = (response: Response): Response => {
      call.status = response.status;
      return response;
    };

    if (url.origin !== `https://${FAKE_DOMAIN}`) return answer(json(404, { error: 'unknown host' }));

    const limit = (f: Fault): number =>
      f.kind === 'hang'
        ? Infinity
        : f.kind === 'lost-answer' || f.kind === 'concurrent-write'
          ? 1
          : f.kind === 'rate-limit'
            ? f.times
            : (f.times ?? Infinity);
    const fault = faults.find((f) => f.route === name && f.used < limit(f));
    if (fault?.kind === 'concurrent-write') {
      fault.used++;
      const logged = calls.length;
      const response = await handle(input, init);
      calls.splice(logged, 1); // one request, one log entry
      fault.write(users);
      return answer(response);
    }
    if (fault) {
      fault.used++;
      if (fault.kind === 'lost-answer') {
        const logged = calls.length;
        await handle(input, { ...init, signal: undefined });
        calls.splice(logged, 1); // one request, one log entry: this one, which never gets its answer
      }
      if (fault.kind === 'hang' || fault.kind === 'lost-answer') {
        return new Promise<Response>((_, reject) => {
          const signal = init.signal;
          signal?.addEventListener(
            'abort',
            () => {
              call.status = 'aborted';
              reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
            },
            { once: true },
          );
        });
      }
      if (fault.kind === 'rate-limit')
        return answer(
          json(
            429,
            { statusCode: 429, error: 'Too Many Requests' },
            fault.retryAfter === null ? {} : { 'retry-after': fault.retryAfter },
          ),
        );
      return answer(json(fault.status, { statusCode: fault.status, error: 'Injected' }));
    }

    if (name === 'token') {
      const grant = (body ?? {}) as Record<string, unknown>;
      if (
        grant.grant_type !== 'client_credentials' ||
        grant.client_id !== FAKE_CLIENT_ID ||
        grant.client_secret !== FAKE_CLIENT_SECRET ||
        grant.audience !== `https://${FAKE_DOMAIN}/api/v2/`
      ) {
        return answer(json(401, { error: 'access_denied' }));
      }
      const token = `mgmt-token-${issued.size + 1}`;
      issued.add(token);
      return answer(
        json(200, { access_token: token, expires_in: options.tokenExpiresIn ?? 86_400, token_type: 'Bearer' }),
      );
    }

    const bearer = new Headers(init.headers).get('authorization')?.replace(/^Bearer /, '');
    if (!bearer || !issued.has(bearer)) return answer(json(401, { statusCode: 401, error: 'Unauthorized' }));

    switch (name) {
      case 'users-by-email': {
        const email = (url.searchParams.get('email') ?? '').toLowerCase();
        return answer(
          json(
            200,
            [...users.values()].filter((u) => u.email?.toLowerCase() === email),
          ),
        );
      }
      case 'get-user': {
        const user = users.get(id as string);
        return answer(user ? json(200, user) : json(404, { statusCode: 404, error: 'Not Found' }));
      }
      case 'update-user': {
        const user = users.get(id as string);
        if (!user) return answer(json(404, { statusCode: 404, error: 'Not Found' }));
        const patch = (body ?? {}) as Record<string, unknown>;
        mergeMetadata(user.app_metadata, patch.app_metadata);
        mergeMetadata(user.user_metadata, patch.user_metadata);
        return answer(json(200, user));
      }
      case 'link': {
        const primary = users.get(id as string);
        const request = (body ?? {}) as Record<string, unknown>;
        const secondaryId = `${String(request.provider)}|${String(request.user_id)}`;
        const secondary = users.get(secondaryId);
        if (!primary || !secondary || primary === secondary)
          return answer(json(400, { statusCode: 400, error: 'Bad Request' }));
        primary.identities.push(...secondary.identities);
        users.delete(secondaryId);
        return answer(json(201, primary.identities));
      }
      case 'unknown':
        return answer(json(404, { statusCode: 404, error: 'Not Found' }));
    }
  };

  const api: FakeManagementApi = {
    domain: FAKE_DOMAIN,
    clientId: FAKE_CLIENT_ID,
    clientSecret: FAKE_CLIENT_SECRET,
    fetch: handle,
    calls,
    users,
    count: (name) => (name ? calls.filter((c) => c.route === name).length : calls.length),
    addUser: (user) => void users.set(user.user_id, structuredClone(user)),
    inject: (fault) => void faults.push({ ...fault, used: 0 }),
    reset(next = []) {
      users.clear();
      for (const user of next) api.addUser(user);
      faults = [];
      calls.length = 0;
    },
  };
  api.reset(options.users);
  return api;
}

/** The stored user behind a login event, as the Management API would return it. */
export function fakeUserFrom(user: User): FakeUser {
  return {
    user_id: user.user_id,
    email: user.email,
    email_verified: user.email_verified,
    name: user.name,
    identities: user.identities.map((i) => ({
      provider: i.provider ?? '',
      user_id: i.user_id ?? '',
      connection: i.connection ?? '',
      isSocial: i.isSocial,
    })),
    user_metadata: structuredClone(user.user_metadata),
    app_metadata: structuredClone(user.app_metadata),
  };
}

/** Another account of the same person: a database user with the given email. */
export function databaseUser(id: string, email: string, extra: Partial<FakeUser> = {}): FakeUser {
  return {
    user_id: `auth0|${id}`,
    email,
    email_verified: true,
    name: 'Existing Account',
    identities: [{ provider: 'auth0', user_id: id, connection: 'Username-Password-Authentication', isSocial: false }],
    user_metadata: {},
    app_metadata: {},
    ...extra,
  };
}
