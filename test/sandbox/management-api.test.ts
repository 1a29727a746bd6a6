import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatRequestLogEntry, isManagementApiRequest, type RequestLogEntry, type Sandbox } from '../../local/sandbox';
import { call, clientToken, deployToken, startTestSandbox } from './helpers';

let sandbox: Sandbox;
let token: string;

/** A machine-to-machine client granted exactly `scopes` on the Management API. */
async function tokenWithScopes(scopes: string[]): Promise<string> {
  const client = sandbox.store.clients.create({ name: `m2m ${scopes.join(' ')}`, app_type: 'non_interactive' });
  sandbox.store.clientGrants.create({
    client_id: client.client_id,
    audience: sandbox.managementAudience,
    scope: scopes,
  });
  const result = await clientToken(sandbox, client.client_id, client.client_secret ?? '');
  expect(result.status).toBe(200);
  return result.body.access_token;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  token = await deployToken(sandbox);
});

afterAll(async () => {
  await sandbox.close();
});

describe('POST /oauth/token (client credentials)', () => {
  test('issues an RS256 JWT for the Management API with the granted scopes', async () => {
    const result = await clientToken(sandbox, sandbox.deployClient.client_id, sandbox.deployClient.client_secret);
    expect(result.status).toBe(200);
    expect(result.body.token_type).toBe('Bearer');
    const decoded = jwt.decode(result.body.access_token, { complete: true });
    expect(decoded?.header.alg).toBe('RS256');
    expect(decoded?.payload).toMatchObject({
      iss: `${sandbox.url}/`,
      aud: sandbox.managementAudience,
      sub: `${sandbox.deployClient.client_id}@clients`,
      gty: 'client-credentials',
    });
    const jwks = await call<{ keys: { kid: string }[] }>(sandbox, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((key) => key.kid)).toContain(decoded?.header.kid);
  });

  test('accepts JSON bodies and HTTP Basic client authentication too', async () => {
    const { client_id: id, client_secret: secret } = sandbox.deployClient;
    const json = await call(sandbox, 'POST', '/oauth/token', {
      body: {
        grant_type: 'client_credentials',
        client_id: id,
        client_secret: secret,
        audience: sandbox.managementAudience,
      },
    });
    expect(json.status).toBe(200);
    const basic = await call(sandbox, 'POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', audience: sandbox.managementAudience },
      headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  test('rejects a wrong secret and an unknown client alike', async () => {
    const wrong = await clientToken(sandbox, sandbox.deployClient.client_id, 'not-the-secret');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    const unknown = await clientToken(sandbox, 'no-such-client', 'x');
    expect(unknown.status).toBe(401);
  });

  test('requires a client grant, a known audience, and only grants granted scopes', async () => {
    const client = sandbox.store.clients.create({ name: 'no grant', app_type: 'non_interactive' });
    const noGrant = await clientToken(sandbox, client.client_id, client.client_secret ?? '');
    expect(noGrant.status).toBe(403);
    expect(noGrant.body.error_description).toMatch(/client-grant/);
    const unknownApi = await clientToken(sandbox, client.client_id, client.client_secret ?? '', {
      audience: 'https://nowhere.example/',
    });
    expect(unknownApi.body.error_description).toBe('Service not found: https://nowhere.example/');
    sandbox.store.clientGrants.create({
      client_id: client.client_id,
      audience: sandbox.managementAudience,
      scope: ['read:users'],
    });
    const tooMuch = await clientToken(sandbox, client.client_id, client.client_secret ?? '', {
      scope: 'read:users delete:users',
    });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.error_description).toBe('Client has not been granted scopes: delete:users');
    const narrowed = await clientToken(sandbox, client.client_id, client.client_secret ?? '', { scope: 'read:users' });
    expect(narrowed.body.scope).toBe('read:users');
  });

  test('refuses clients that cannot use client credentials (public SPA)', async () => {
    const spa = sandbox.store.clients.create({ name: 'spa', app_type: 'spa' });
    sandbox.store.clientGrants.create({
      client_id: spa.client_id,
      audience: sandbox.managementAudience,
      scope: ['read:users'],
    });
    const result = await clientToken(sandbox, spa.client_id, spa.client_secret ?? '');
    expect(result.status).toBe(403);
    expect(result.body.error).toBe('unauthorized_client');
  });

  test('malformed requests are OAuth 400/401 errors, never a 500 or a token', async () => {
    const { client_id: id, client_secret: secret } = sandbox.deployClient;
    const base = {
      grant_type: 'client_credentials',
      client_id: id,
      client_secret: secret,
      audience: sandbox.managementAudience,
    };
    const invalidRequest = { status: 400, body: { error: 'invalid_request', error_description: expect.any(String) } };
    for (const body of [
      { ...base, client_id: { id } },
      { ...base, client_id: [id] },
      { ...base, client_secret: [secret] },
      { ...base, scope: 42 },
      { ...base, scope: ['read:users'] },
      { ...base, audience: { url: sandbox.managementAudience } },
      { ...base, grant_type: ['client_credentials'] },
    ]) {
      const result = await call(sandbox, 'POST', '/oauth/token', { body });
      expect(result, JSON.stringify(body)).toMatchObject(invalidRequest);
      expect(Object.keys(result.body as object).sort()).toEqual(['error', 'error_description']);
    }
    const badEncoding = await call(sandbox, 'POST', '/oauth/token', {
      form: { grant_type: 'client_credentials', audience: sandbox.managementAudience },
      headers: { authorization: `Basic ${Buffer.from(`%E0%A4%A:${secret}`).toString('base64')}` },
    });
    expect(badEncoding).toMatchObject({
      status: 401,
      body: { error: 'invalid_client', error_description: expect.any(String) },
    });
  });

  test('rejects other grant types', async () => {
    const result = await call<{ error: string }>(sandbox, 'POST', '/oauth/token', { form: { grant_type: 'password' } });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('unsupported_grant_type');
  });
});

describe('Management API authentication and scopes', () => {
  test('no token, a malformed header, a forged token, an expired token and a foreign audience are 401', async () => {
    const none = await call(sandbox, 'GET', '/api/v2/clients');
    expect(none).toMatchObject({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' },
    });
    const malformed = await call(sandbox, 'GET', '/api/v2/clients', { headers: { authorization: 'Token abc' } });
    expect(malformed.status).toBe(401);
    const forged = jwt.sign({ scope: 'read:clients', sub: 'x@clients', azp: 'x' }, 'not-the-key', {
      algorithm: 'HS256',
      audience: sandbox.managementAudience,
      issuer: `${sandbox.url}/`,
    });
    expect((await call(sandbox, 'GET', '/api/v2/clients', { token: forged })).body).toMatchObject({
      statusCode: 401,
      message: 'Invalid token',
    });
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await call(sandbox, 'GET', '/api/v2/clients', { token: tampered })).status).toBe(401);
  });

  test('a token signed by the tenant but expired, or for another audience, is 401', async () => {
    const key = readFileSync(join(sandbox.stateDir, 'signing-key.pem'), 'utf8');
    const claims = { scope: 'read:clients', sub: 'x@clients', azp: 'x', gty: 'client-credentials' };
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, key, {
      algorithm: 'RS256',
      audience: sandbox.managementAudience,
      issuer: `${sandbox.url}/`,
    });
    expect((await call(sandbox, 'GET', '/api/v2/clients', { token: expired })).body).toMatchObject({
      statusCode: 401,
      message: 'Expired token received for JSON Web Token validation',
    });
    const otherApi = jwt.sign(claims, key, {
      algorithm: 'RS256',
      audience: 'https://profile-api.example',
      issuer: `${sandbox.url}/`,
    });
    expect((await call(sandbox, 'GET', '/api/v2/clients', { token: otherApi })).body).toMatchObject({
      statusCode: 401,
      message: 'Bad audience',
    });
  });

  test('a token without the route scope is 403 "Insufficient scope"', async () => {
    const readUsers = await tokenWithScopes(['read:users']);
    const result = await call(sandbox, 'GET', '/api/v2/clients', { token: readUsers });
    expect(result).toMatchObject({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: 'Insufficient scope, expected any of: read:clients,read:client_keys',
      },
    });
    expect((await call(sandbox, 'GET', '/api/v2/users-by-email?email=a%40b.c', { token: readUsers })).status).toBe(200);
  });

  test('client secrets are only shown to tokens with read:client_keys', async () => {
    const readClients = await tokenWithScopes(['read:clients']);
    const { client_id: id } = sandbox.deployClient;
    const withoutKeys = await call<Record<string, unknown>>(sandbox, 'GET', `/api/v2/clients/${id}`, {
      token: readClients,
    });
    expect(withoutKeys.body.client_secret).toBeUndefined();
    const withKeys = await call<Record<string, unknown>>(sandbox, 'GET', `/api/v2/clients/${id}`, { token });
    expect(withKeys.body.client_secret).toBe(sandbox.deployClient.client_secret);
  });

  test("endpoints the sandbox does not model are 501, except the reads deploy-cli's export skips on a 403", async () => {
    for (const [method, path] of [
      ['GET', '/api/v2/users/auth0%7C1/roles'],
      ['GET', '/api/v2/users/auth0%7C1/permissions'],
      ['POST', '/api/v2/organizations'],
      ['DELETE', '/api/v2/rules/rul_1'],
      ['GET', '/api/v2/stats/daily'],
    ] as const) {
      const result = await call(sandbox, method, path, { token, body: method === 'POST' ? {} : undefined });
      expect(result, `${method} ${path}`).toMatchObject({
        status: 501,
        body: {
          statusCode: 501,
          error: 'Not Implemented',
          message: `${method} ${path} is not implemented by the sandbox`,
          errorCode: 'not_implemented',
        },
      });
    }
    for (const [path, scope] of [
      ['/api/v2/rules', 'read:rules'],
      ['/api/v2/guardian/factors', 'read:guardian_factors'],
      ['/api/v2/branding/themes/default', 'read:branding_themes'],
    ] as const) {
      const result = await call(sandbox, 'GET', path, { token });
      expect(result).toMatchObject({ status: 403, body: { message: `Insufficient scope, expected any of: ${scope}` } });
    }
    expect((await call(sandbox, 'GET', '/api/v2/users/auth0%7C1/roles')).status).toBe(401);
  });

  test('paths outside the API are 404', async () => {
    expect((await call(sandbox, 'GET', '/nothing-here')).status).toBe(404);
  });
});

describe('payload validation (Auth0 error shapes)', () => {
  test('unknown fields are rejected, not dropped', async () => {
    const result = await call(sandbox, 'POST', '/api/v2/clients', {
      token,
      body: { name: 'x', callback: ['https://a'] },
    });
    expect(result).toMatchObject({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: "Payload validation error: 'Additional properties not allowed: callback'.",
        errorCode: 'invalid_body',
      },
    });
  });

  test('nested unknown fields name their property', async () => {
    const result = await call<{ message: string }>(sandbox, 'POST', '/api/v2/resource-servers', {
      token,
      body: { identifier: 'https://api.example', scopes: [{ name: 'read:x', description: 'no' }] },
    });
    expect(result.status).toBe(400);
    expect(result.body.message).toMatch(/^Payload validation error: '.*' on property scopes\[0\]\.$/);
  });

  test('types are not coerced: a string for a boolean is an error', async () => {
    const result = await call<{ message: string }>(sandbox, 'POST', '/api/v2/clients', {
      token,
      body: { name: 'x', oidc_conformant: 'true' },
    });
    expect(result.status).toBe(400);
    expect(result.body.message).toBe(
      "Payload validation error: 'Expected type boolean but found type string' on property oidc_conformant.",
    );
  });

  test('missing required fields, bad enums, client_metadata limits', async () => {
    const missing = await call<{ message: string }>(sandbox, 'POST', '/api/v2/connections', {
      token,
      body: { name: 'db' },
    });
    expect(missing.body.message).toBe("Payload validation error: 'Missing required property: strategy'.");
    const badEnum = await call<{ message: string }>(sandbox, 'POST', '/api/v2/clients', {
      token,
      body: { name: 'x', app_type: 'web' },
    });
    expect(badEnum.body.message).toBe(`Payload validation error: 'No enum match for: "web"' on property app_type.`);
    const metadata = await call<{ message: string }>(sandbox, 'POST', '/api/v2/clients', {
      token,
      body: { name: 'x', client_metadata: { flag: true } },
    });
    expect(metadata.body.message).toBe(
      "Payload validation error: 'Expected type string but found type boolean' on property client_metadata.flag.",
    );
  });

  test('malformed JSON and a missing body are 400s', async () => {
    const malformed = await call(sandbox, 'POST', '/api/v2/clients', { token, raw: '{"name": "x",' });
    expect(malformed).toMatchObject({
      status: 400,
      body: { statusCode: 400, message: 'Invalid request payload JSON format' },
    });
    const empty = await call<{ message: string }>(sandbox, 'POST', '/api/v2/clients', { token, raw: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toMatch(/^Payload validation error/);
  });

  test('tenant settings reject unknown flags and read-only fields', async () => {
    const flag = await call<{ message: string }>(sandbox, 'PATCH', '/api/v2/tenants/settings', {
      token,
      body: { flags: { made_up: true } },
    });
    expect(flag.body.message).toBe(
      "Payload validation error: 'Additional properties not allowed: made_up' on property flags.",
    );
    const readOnly = await call(sandbox, 'PATCH', '/api/v2/tenants/settings', {
      token,
      body: { sandbox_versions_available: ['22'] },
    });
    expect(readOnly.status).toBe(400);
  });

  test('client grants reject scopes the API does not define, unknown clients and audiences', async () => {
    const client = sandbox.store.clients.create({ name: 'grantee', app_type: 'non_interactive' });
    const typo = await call<{ message: string }>(sandbox, 'POST', '/api/v2/client-grants', {
      token,
      body: { client_id: client.client_id, audience: sandbox.managementAudience, scope: ['read:user'] },
    });
    expect(typo).toMatchObject({
      status: 400,
      body: { message: 'Scopes not defined by the resource server: read:user' },
    });
    const unknownClient = await call(sandbox, 'POST', '/api/v2/client-grants', {
      token,
      body: { client_id: 'nope', audience: sandbox.managementAudience, scope: [] },
    });
    expect(unknownClient.status).toBe(404);
    const unknownAudience = await call(sandbox, 'POST', '/api/v2/client-grants', {
      token,
      body: { client_id: client.client_id, audience: 'https://nowhere.example/', scope: [] },
    });
    expect(unknownAudience.status).toBe(404);
    const ok = await call(sandbox, 'POST', '/api/v2/client-grants', {
      token,
      body: { client_id: client.client_id, audience: sandbox.managementAudience, scope: ['read:users'] },
    });
    expect(ok.status).toBe(201);
    const duplicate = await call(sandbox, 'POST', '/api/v2/client-grants', {
      token,
      body: { client_id: client.client_id, audience: sandbox.managementAudience, scope: ['read:users'] },
    });
    expect(duplicate.status).toBe(409);
  });
});

describe('unknown ids', () => {
  test.each([
    ['/api/v2/clients/nope', 'The client does not exist'],
    ['/api/v2/connections/con_nope', 'The connection does not exist'],
    ['/api/v2/users/auth0%7Cnope', 'The user does not exist.'],
    ['/api/v2/actions/actions/nope', 'The action does not exist.'],
    ['/api/v2/email-templates/welcome_email', 'The template does not exist.'],
    ['/api/v2/client-grants/cgr_nope', 'The client grant does not exist'],
    ['/api/v2/user-blocks/auth0%7Cnope', 'The user does not exist.'],
    ['/api/v2/jobs/job_nope', 'The job does not exist.'],
  ])('GET %s is 404', async (path, message) => {
    const result = await call(sandbox, 'GET', path, { token });
    expect(result).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found', message } });
  });

  test('an unknown email template name is a path validation error', async () => {
    const result = await call<{ message: string }>(sandbox, 'GET', '/api/v2/email-templates/not_a_template', { token });
    expect(result.status).toBe(400);
    expect(result.body.message).toMatch(/^Path validation error/);
  });
});

describe('pagination', () => {
  beforeAll(() => {
    for (let i = 0; i < 7; i += 1) sandbox.store.clients.create({ name: `paged ${i}`, app_type: 'regular_web' });
    for (let i = 0; i < 5; i += 1)
      sandbox.store.connections.create({ name: `paged-${i}`, strategy: i % 2 ? 'google-oauth2' : 'auth0' });
  });

  test('page-based: totals envelope, last page, out-of-range page, bare array without totals', async () => {
    const all = await call<{ total: number }>(sandbox, 'GET', '/api/v2/clients?include_totals=true&per_page=100', {
      token,
    });
    const total = all.body.total;
    const perPage = 3;
    const lastPage = Math.ceil(total / perPage) - 1;
    const last = await call<{ start: number; limit: number; length: number; total: number; clients: unknown[] }>(
      sandbox,
      'GET',
      `/api/v2/clients?include_totals=true&per_page=${perPage}&page=${lastPage}`,
      { token },
    );
    expect(last.body).toMatchObject({
      start: lastPage * perPage,
      limit: perPage,
      total,
      length: total - lastPage * perPage,
    });
    const beyond = await call<{ clients: unknown[]; total: number }>(
      sandbox,
      'GET',
      `/api/v2/clients?include_totals=true&per_page=${perPage}&page=${lastPage + 5}`,
      { token },
    );
    expect(beyond.body).toMatchObject({ clients: [], total, length: 0 });
    const bare = await call<unknown[]>(sandbox, 'GET', '/api/v2/clients?per_page=2', { token });
    expect(Array.isArray(bare.body) && bare.body.length).toBe(2);
  });

  test.each(['per_page=0', 'per_page=101', 'per_page=abc', 'page=-1', 'include_totals=maybe', 'unknown=1'])(
    'invalid query %s is a 400 query validation error',
    async (query) => {
      const result = await call<{ message: string; errorCode: string }>(sandbox, 'GET', `/api/v2/clients?${query}`, {
        token,
      });
      expect(result.status).toBe(400);
      expect(result.body.message).toMatch(/^Query validation error/);
      expect(result.body.errorCode).toBe('invalid_query_string');
    },
  );

  test('checkpoint-based: take/from/next walks every connection exactly once', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    do {
      const result = await call<{ connections: { name: string }[]; next?: string }>(
        sandbox,
        'GET',
        `/api/v2/connections?take=2${from ? `&from=${from}` : ''}`,
        { token },
      );
      expect(result.status).toBe(200);
      seen.push(...result.body.connections.map((c) => c.name));
      from = result.body.next;
      pages += 1;
    } while (from);
    const everything = sandbox.store.connections.list().map((entry) => entry.connection.name);
    expect(seen).toEqual(everything);
    expect(pages).toBe(Math.ceil(everything.length / 2));
  });

  test('checkpoint with filters, and an invalid cursor or take', async () => {
    const databases = await call<{ connections: { strategy: string }[] }>(
      sandbox,
      'GET',
      '/api/v2/connections?take=50&strategy=auth0',
      { token },
    );
    expect(databases.body.connections.length).toBeGreaterThan(0);
    expect(databases.body.connections.every((c) => c.strategy === 'auth0')).toBe(true);
    expect((await call(sandbox, 'GET', '/api/v2/connections?from=garbage', { token })).status).toBe(400);
    expect((await call(sandbox, 'GET', '/api/v2/connections?take=0', { token })).status).toBe(400);
    expect((await call(sandbox, 'GET', '/api/v2/connections?take=101', { token })).status).toBe(400);
  });

  test('actions pages are {total, page, per_page, actions} and refuse include_totals, as Auth0 does', async () => {
    const result = await call<Record<string, unknown>>(sandbox, 'GET', '/api/v2/actions/actions?page=0&per_page=10', {
      token,
    });
    expect(result.body).toMatchObject({ total: expect.any(Number), page: 0, per_page: 10, actions: expect.any(Array) });
    const totals = await call<{ message: string }>(sandbox, 'GET', '/api/v2/actions/actions?include_totals=true', {
      token,
    });
    expect(totals.body.message).toBe("Query validation error: 'Additional properties not allowed: include_totals'.");
  });
});

describe('request log', () => {
  test('the log option receives one structured entry per response: method, path without query, status, ms', async () => {
    const entries: RequestLogEntry[] = [];
    const logged = await startTestSandbox({ log: (entry) => entries.push(entry) });
    try {
      const loggedToken = await deployToken(logged);
      await call(logged, 'GET', '/api/v2/clients?fields=name&include_fields=true', { token: loggedToken });
      await call(logged, 'GET', '/api/v2/users/auth0%7Cnobody', { token: loggedToken });
      expect(entries.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
        { method: 'POST', path: '/oauth/token', status: 200 },
        { method: 'GET', path: '/api/v2/clients', status: 200 },
        { method: 'GET', path: '/api/v2/users/auth0%7Cnobody', status: 404 },
      ]);
      expect(entries.every((entry) => Number.isInteger(entry.ms) && entry.ms >= 0)).toBe(true);
      expect(entries.filter(isManagementApiRequest)).toHaveLength(3);
      expect(formatRequestLogEntry({ method: 'GET', path: '/api/v2/clients', status: 200, ms: 3 })).toBe(
        'GET /api/v2/clients 200 3ms',
      );
    } finally {
      await logged.close();
    }
  });
});

describe('fault injection', () => {
  test('429 with Retry-After and rate-limit headers, then normal service', async () => {
    sandbox.faults.set([{ method: 'GET', path: '/api/v2/clients', status: 429, retryAfter: 2 }]);
    const limited = await call(sandbox, 'GET', '/api/v2/clients', { token });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', errorCode: 'too_many_requests' });
    expect((await call(sandbox, 'GET', '/api/v2/clients', { token })).status).toBe(200);
    expect(sandbox.faults.hits()).toHaveLength(1);
  });

  test('5xx for a number of matches, by method and glob', async () => {
    sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/clients/*', status: 503, times: 2 }]);
    const id = sandbox.deployClient.client_id;
    expect((await call(sandbox, 'GET', `/api/v2/clients/${id}`, { token })).status).toBe(200);
    expect((await call(sandbox, 'PATCH', `/api/v2/clients/${id}`, { token, body: {} })).status).toBe(503);
    expect((await call(sandbox, 'PATCH', `/api/v2/clients/${id}`, { token, body: {} })).status).toBe(503);
    expect((await call(sandbox, 'PATCH', `/api/v2/clients/${id}`, { token, body: {} })).status).toBe(200);
    sandbox.faults.set([]);
  });

  test('latency delays the request without failing it; faults apply to /oauth/token too', async () => {
    sandbox.faults.set([
      { path: '/api/v2/tenants/settings', latencyMs: 300 },
      { path: '/oauth/token', status: 500, times: 'always' },
    ]);
    const started = Date.now();
    expect((await call(sandbox, 'GET', '/api/v2/tenants/settings', { token })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(
      (await clientToken(sandbox, sandbox.deployClient.client_id, sandbox.deployClient.client_secret)).status,
    ).toBe(500);
    sandbox.faults.set([]);
  });

  test('the admin endpoint configures faults for the deploy client only', async () => {
    const rules = [{ method: 'GET', path: '/api/v2/connections', status: 502 }];
    const other = await tokenWithScopes(['read:clients']);
    expect((await call(sandbox, 'PUT', '/sandbox/faults', { token: other, body: { rules } })).status).toBe(403);
    expect((await call(sandbox, 'PUT', '/sandbox/faults', { token, body: { rules: [{ status: 500 }] } })).status).toBe(
      400,
    );
    expect((await call(sandbox, 'PUT', '/sandbox/faults', { token, body: { rules } })).status).toBe(200);
    expect((await call(sandbox, 'GET', '/api/v2/connections', { token })).status).toBe(502);
    const state = await call<{ hits: { status: number }[] }>(sandbox, 'GET', '/sandbox/faults', { token });
    expect(state.body.hits.map((hit) => hit.status)).toEqual([502]);
    expect((await call(sandbox, 'DELETE', '/sandbox/faults', { token })).status).toBe(204);
  });
});
