import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ManagementClient } from 'auth0';
import * as client from 'openid-client';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, clientToken } from './helpers';
import { PASSWORD, databaseUser, login, returningMetadata } from './login-fixtures';
import { openStore } from '../../local/sandbox';
import { OidcStore } from '../../local/sandbox/oidc/store';
import { LogsRepo } from '../../local/sandbox/store/logs';
import { discoverClient, API, Browser, CALLBACK, startOidcSandbox, type OidcSandbox } from './oidc-fixtures';

// What a login leaves behind, read and revoked through the Management API as on Auth0: sessions,
// refresh tokens, grants and logs; and what a deleted user takes with it.

let ctx: OidcSandbox;
let rp: client.Configuration;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
});

afterAll(async () => {
  await ctx?.close();
});

interface Login {
  browser: Browser;
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
}

/** The code flow through the login page, with a refresh token for the API. */
async function codeFlow(email: string, browser = new Browser(ctx.caFetch.fetch, ctx.sandbox.url)): Promise<Login> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid email offline_access read:orders',
    audience: API,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const page = await browser.visit(url.toString());
  const done = await browser.submit(page, '/u/login', { email, password: PASSWORD });
  if (!done.leftTo) throw new Error(`no callback: ${done.status} ${done.html.slice(0, 300)}`);
  const tokens = await client.authorizationCodeGrant(rp, new URL(done.leftTo), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { browser, tokens };
}

function sidOf(login: Login): string {
  const sid = login.tokens.claims()?.sid;
  if (typeof sid !== 'string') throw new Error('the ID token has no sid');
  return sid;
}

/** Where a prompt=none authorization sends the browser: the callback with a code or an error. */
async function silent(browser: Browser): Promise<URLSearchParams> {
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid',
    prompt: 'none',
    state: 's',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const visit = await browser.visit(url.toString());
  if (!visit.leftTo) throw new Error(`prompt=none stayed at ${visit.url}`);
  return new URL(visit.leftTo).searchParams;
}

async function tokenWith(scope: string): Promise<string> {
  const m2m = ctx.sandbox.store.clients.create({
    name: `m2m ${scope}`,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  ctx.sandbox.store.clientGrants.create({
    client_id: m2m.client_id,
    audience: ctx.sandbox.managementAudience,
    scope: scope.split(' '),
  });
  const answer = await clientToken(ctx.sandbox, m2m.client_id, m2m.client_secret ?? '');
  return answer.body.access_token;
}

const api = <T = unknown>(method: string, path: string) =>
  call<T>(ctx.sandbox, method, `/api/v2${path}`, { token: ctx.token });

interface SessionBody {
  id: string;
  user_id: string;
  clients: { client_id: string }[];
  device: { last_user_agent: string; last_ip: string };
  authentication: { methods: { name: string }[] };
  expires_at: string;
  idle_expires_at: string;
}

interface RefreshTokenBody {
  id: string;
  user_id: string;
  client_id: string;
  session_id: string;
  rotating: boolean;
  resource_servers: { audience: string; scopes: string }[];
}

interface LogBody {
  log_id: string;
  type: string;
  user_id?: string;
  client_id?: string;
  client_name?: string;
  connection?: string;
  strategy?: string;
  date: string;
}

describe('sessions', () => {
  test('a login leaves a session (sid of the ID token); deleting it logs that browser out: prompt=none answers login_required', async () => {
    const user = databaseUser(ctx.sandbox, 'session@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('session@example.com');
    const sid = sidOf(login);

    const listed = await api<{ sessions: SessionBody[] }>('GET', `/users/${encodeURIComponent(user.user_id)}/sessions`);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(1);
    const session = listed.body.sessions[0]!;
    expect(session).toMatchObject({
      id: sid,
      user_id: user.user_id,
      clients: [{ client_id: ctx.rp.client_id }],
      device: { last_user_agent: 'oidc-test-browser/1.0', last_ip: '127.0.0.1' },
      authentication: { methods: [{ name: 'pwd' }] },
    });
    expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
    expect((await api('GET', `/sessions/${sid}`)).body).toEqual(session);

    expect((await silent(login.browser)).get('code')).toBeTruthy();
    expect((await api('DELETE', `/sessions/${sid}`)).status).toBe(202);
    expect((await silent(login.browser)).get('error')).toBe('login_required');
    expect((await api('GET', `/sessions/${sid}`)).status).toBe(404);
    expect((await api('DELETE', `/sessions/${sid}`)).status).toBe(404);
    // Refresh tokens outlive the session, as on Auth0.
    await expect(client.refreshTokenGrant(rp, login.tokens.refresh_token!)).resolves.toBeTruthy();
  });

  test("DELETE /users/{id}/sessions ends every browser's session; a forged cookie is no session either", async () => {
    const user = databaseUser(ctx.sandbox, 'two-browsers@example.com', { app_metadata: returningMetadata() });
    const first = await codeFlow('two-browsers@example.com');
    const second = await codeFlow('two-browsers@example.com');
    const path = `/users/${encodeURIComponent(user.user_id)}/sessions`;
    expect((await api<{ sessions: SessionBody[] }>('GET', path)).body.sessions).toHaveLength(2);
    expect((await api('DELETE', path)).status).toBe(202);
    expect((await api<{ sessions: SessionBody[] }>('GET', path)).body.sessions).toEqual([]);
    expect((await silent(first.browser)).get('error')).toBe('login_required');
    expect((await silent(second.browser)).get('error')).toBe('login_required');

    const forged = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    forged.cookies.set('auth0', 'forged-session-id');
    expect((await silent(forged)).get('error')).toBe('login_required');
  });

  test('an expired session is neither listed nor usable; its cookie answers login_required', async () => {
    const user = databaseUser(ctx.sandbox, 'expired-session@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('expired-session@example.com');
    const sid = sidOf(login);
    const sessions = new OidcStore(ctx.sandbox.store.db);
    const session = sessions.session(sid)!;
    sessions.putSession({ ...session, expires_at: Date.now() - 1000 });
    expect((await api('GET', `/sessions/${sid}`)).status).toBe(404);
    expect(
      (await api<{ sessions: unknown[] }>('GET', `/users/${encodeURIComponent(user.user_id)}/sessions`)).body.sessions,
    ).toEqual([]);
    expect((await silent(login.browser)).get('error')).toBe('login_required');
  });
  test("a password change through the reset link ends the user's sessions (scp logged); refresh tokens stay", async () => {
    const user = databaseUser(ctx.sandbox, 'reset-session@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('reset-session@example.com');
    const created = await call<{ ticket: string }>(ctx.sandbox, 'POST', '/api/v2/tickets/password-change', {
      token: ctx.token,
      body: { user_id: user.user_id },
    });
    expect(created.status).toBe(201);
    const id = new URL(created.body.ticket).searchParams.get('ticket') ?? '';
    const changed = await call(ctx.sandbox, 'POST', '/u/reset-verify', {
      form: { ticket: id, newPassword: 'Another-Horse-77', confirmNewPassword: 'Another-Horse-77' },
    });
    expect(changed.status).toBeLessThan(400);
    expect(
      (await api<{ sessions: unknown[] }>('GET', `/users/${encodeURIComponent(user.user_id)}/sessions`)).body.sessions,
    ).toEqual([]);
    expect((await silent(login.browser)).get('error')).toBe('login_required');
    await expect(client.refreshTokenGrant(rp, login.tokens.refresh_token!)).resolves.toBeTruthy();
    const logged = await api<LogBody[]>('GET', `/logs?q=${encodeURIComponent(`type:scp user_id:"${user.user_id}"`)}`);
    expect(logged.body).toHaveLength(1);
  });
});

describe('refresh tokens', () => {
  test('one per family, its id stable across rotations; deleting it fails the next exchange with invalid_grant', async () => {
    const user = databaseUser(ctx.sandbox, 'refresh@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('refresh@example.com');
    const path = `/users/${encodeURIComponent(user.user_id)}/refresh-tokens`;
    const before = await api<{ tokens: RefreshTokenBody[] }>('GET', path);
    expect(before.status).toBe(200);
    expect(before.body.tokens).toHaveLength(1);
    const token = before.body.tokens[0]!;
    expect(token).toMatchObject({
      user_id: user.user_id,
      client_id: ctx.rp.client_id,
      session_id: sidOf(login),
      rotating: true,
      resource_servers: [{ audience: API, scopes: 'openid email offline_access read:orders' }],
    });

    const rotated = await client.refreshTokenGrant(rp, login.tokens.refresh_token!);
    const after = await api<{ tokens: RefreshTokenBody[] }>('GET', path);
    expect(after.body.tokens.map((listed) => listed.id)).toEqual([token.id]);
    expect((await api<RefreshTokenBody>('GET', `/refresh-tokens/${token.id}`)).body.id).toBe(token.id);

    expect((await api('DELETE', `/refresh-tokens/${token.id}`)).status).toBe(202);
    await expect(client.refreshTokenGrant(rp, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await api('GET', `/refresh-tokens/${token.id}`)).status).toBe(404);
    expect((await api('DELETE', `/refresh-tokens/${token.id}`)).status).toBe(404);
    expect((await api<{ tokens: RefreshTokenBody[] }>('GET', path)).body.tokens).toEqual([]);
  });

  test("DELETE /users/{id}/refresh-tokens revokes all of the user's tokens", async () => {
    const user = databaseUser(ctx.sandbox, 'refresh-all@example.com', { app_metadata: returningMetadata() });
    const one = await codeFlow('refresh-all@example.com');
    const two = await codeFlow('refresh-all@example.com');
    expect((await api('DELETE', `/users/${encodeURIComponent(user.user_id)}/refresh-tokens`)).status).toBe(202);
    await expect(client.refreshTokenGrant(rp, one.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(client.refreshTokenGrant(rp, two.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('grants', () => {
  test('a code flow records a grant per user, application and API; deleting it revokes the refresh tokens under it', async () => {
    const user = databaseUser(ctx.sandbox, 'grant@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('grant@example.com');
    await codeFlow('grant@example.com');
    const listed = await api<{ id: string; clientID: string; user_id: string; audience: string; scope: string[] }[]>(
      'GET',
      `/grants?user_id=${encodeURIComponent(user.user_id)}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        id: listed.body[0]?.id,
        clientID: ctx.rp.client_id,
        user_id: user.user_id,
        audience: API,
        scope: ['openid', 'email', 'offline_access', 'read:orders'],
      },
    ]);
    const filtered = await api<{ total: number; grants: unknown[] }>(
      'GET',
      `/grants?audience=${encodeURIComponent('https://other.example.com/')}&include_totals=true`,
    );
    expect(filtered.body).toMatchObject({ total: 0, grants: [] });

    expect((await api('DELETE', `/grants/${listed.body[0]!.id}`)).status).toBe(204);
    await expect(client.refreshTokenGrant(rp, login.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await api('GET', `/grants?user_id=${encodeURIComponent(user.user_id)}`)).body).toEqual([]);
    expect((await api('DELETE', `/grants/${listed.body[0]!.id}`)).status).toBe(404);
  });

  test('DELETE /grants?user_id= removes all of them', async () => {
    const user = databaseUser(ctx.sandbox, 'grants-all@example.com', { app_metadata: returningMetadata() });
    await codeFlow('grants-all@example.com');
    const query = `/grants?user_id=${encodeURIComponent(user.user_id)}`;
    expect((await api<unknown[]>('GET', query)).body).toHaveLength(1);
    expect((await api('DELETE', query)).status).toBe(204);
    expect((await api<unknown[]>('GET', query)).body).toEqual([]);
  });
});

describe('logs', () => {
  test('a POST /sandbox/login naming its application by name is logged with the client id', async () => {
    const user = databaseUser(ctx.sandbox, 'by-name@example.com', { app_metadata: returningMetadata() });
    const answer = await login(ctx, {
      client: 'Relying Party',
      connection: 'customers',
      flow: 'interactive',
      email: 'by-name@example.com',
      password: PASSWORD,
      ip: '192.0.2.9',
    });
    expect(answer.outcome).toBe('allowed');
    const logs = await api<LogBody[]>('GET', `/users/${encodeURIComponent(user.user_id)}/logs`);
    expect(logs.body).toMatchObject([
      { type: 's', client_id: ctx.rp.client_id, client_name: 'Relying Party', ip: '192.0.2.9' },
    ]);
  });

  test('logins, failures, token exchanges and writes are logged with Auth0 codes; q filters by type and user_id', async () => {
    const user = databaseUser(ctx.sandbox, 'logged@example.com', { app_metadata: returningMetadata() });
    const browser = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const verifier = client.randomPKCECodeVerifier();
    const page = await browser.visit(
      client
        .buildAuthorizationUrl(rp, {
          redirect_uri: CALLBACK,
          scope: 'openid',
          state: 'x',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        })
        .toString(),
    );
    await browser.submit(page, '/u/login', { email: 'logged@example.com', password: 'wrong-password' });
    const unknown = await browser.visit(page.url);
    await browser.submit(unknown, '/u/login', { email: 'nobody@example.com', password: 'wrong-password' });
    const login = await codeFlow('logged@example.com');
    await client.refreshTokenGrant(rp, login.tokens.refresh_token!);

    const q = encodeURIComponent(`user_id:"${user.user_id}"`);
    const mine = await api<LogBody[]>('GET', `/logs?q=${q}&sort=date:1`);
    expect(mine.status).toBe(200);
    expect(mine.body.map((log) => log.type)).toEqual(['fp', 's', 'seacft', 'sertft']);
    expect(mine.body[1]).toMatchObject({
      client_id: ctx.rp.client_id,
      client_name: 'Relying Party',
      connection: 'customers',
      strategy: 'auth0',
      user_id: user.user_id,
    });
    const fu = await api<LogBody[]>('GET', `/logs?q=${encodeURIComponent('type:fu')}`);
    expect(fu.body.some((log) => log.user_id === undefined)).toBe(true);
    // The auth0 SDK v6 sends q as `search`.
    expect((await api<LogBody[]>('GET', `/logs?search=${q}&sort=date:1`)).body).toEqual(mine.body);

    const byUser = await api<{ total: number; logs: LogBody[] }>(
      'GET',
      `/users/${encodeURIComponent(user.user_id)}/logs?include_totals=true&per_page=2`,
    );
    expect(byUser.body).toMatchObject({ total: 4, length: 2 });
    expect(byUser.body.logs.map((log) => log.type)).toEqual(['sertft', 'seacft']);
    const one = mine.body[0]!;
    expect((await api('GET', `/logs/${one.log_id}`)).body).toEqual(one);

    // Checkpoint mode: everything after a log id, oldest first.
    const following = await api<LogBody[]>('GET', `/logs?from=${one.log_id}&take=100`);
    const last = following.body.at(-1)?.log_id ?? '';
    expect(following.headers.link).toBe(
      `<https://${ctx.sandbox.domain}/api/v2/logs?from=${last}&take=100>; rel="next"`,
    );
    const end = await api<LogBody[]>('GET', `/logs?from=${last}&take=100`);
    expect(end.body).toEqual([]);
    expect(end.headers.link).toBe(following.headers.link);
    expect((following.body[0]?.log_id ?? '') > one.log_id).toBe(true);
    expect(following.body.map((log) => log.log_id)).toEqual([...following.body.map((log) => log.log_id)].sort());
  });

  test('client credentials (seccft) and Management API writes (sapi); deleting a user removes its sessions, tokens and grants, not its logs', async () => {
    const user = databaseUser(ctx.sandbox, 'deleted@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('deleted@example.com');
    const sid = sidOf(login);
    expect((await api('DELETE', `/users/${encodeURIComponent(user.user_id)}`)).status).toBe(204);

    expect((await api('GET', `/sessions/${sid}`)).status).toBe(404);
    expect((await silent(login.browser)).get('error')).toBe('login_required');
    await expect(client.refreshTokenGrant(rp, login.tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await api('GET', `/grants?user_id=${encodeURIComponent(user.user_id)}`)).body).toEqual([]);
    const logs = await api<LogBody[]>('GET', `/logs?q=${encodeURIComponent(`user_id:"${user.user_id}"`)}&sort=date:1`);
    expect(logs.body.map((log) => log.type)).toEqual(['s', 'seacft', 'sdu']);
    const writes = await api<LogBody[]>('GET', `/logs?q=${encodeURIComponent('type:sapi')}`);
    expect(writes.body[0]).toMatchObject({ type: 'sapi', client_id: ctx.sandbox.deployClient.client_id });
    expect((await api<LogBody[]>('GET', `/logs?q=${encodeURIComponent('type:seccft')}`)).body.length).toBeGreaterThan(
      0,
    );
  });
});

describe('through the auth0 SDK v6', () => {
  test('lists and deletes sessions, refresh tokens, grants and logs with the shapes it expects', async () => {
    const user = databaseUser(ctx.sandbox, 'sdk@example.com', { app_metadata: returningMetadata() });
    const login = await codeFlow('sdk@example.com');
    // The SDK speaks the global fetch: trust the sandbox's CA there, as NODE_EXTRA_CA_CERTS would.
    setGlobalDispatcher(
      new Agent({ connect: { ca: [...rootCertificates, readFileSync(ctx.sandbox.caPath, 'utf8')] } }),
    );
    const sdk = new ManagementClient({ domain: ctx.sandbox.domain, token: ctx.token, maxRetries: 0 });

    const sessions = await sdk.users.sessions.list(user.user_id);
    expect(sessions.data.map((session) => session.id)).toEqual([sidOf(login)]);
    const session = await sdk.sessions.get(sidOf(login));
    expect(session.clients).toEqual([{ client_id: ctx.rp.client_id }]);
    const tokens = await sdk.users.refreshToken.list(user.user_id);
    expect(tokens.data).toHaveLength(1);
    expect((await sdk.refreshTokens.get(tokens.data[0]!.id!)).session_id).toBe(sidOf(login));
    const grants = await sdk.userGrants.list({ user_id: user.user_id });
    expect(grants.data.map((grant) => grant.clientID)).toEqual([ctx.rp.client_id]);
    const logs = await sdk.logs.list({ search: `user_id:"${user.user_id}"`, sort: 'date:1' });
    expect(logs.data.map((log) => log.type)).toEqual(['s', 'seacft']);
    const userLogs = await sdk.users.logs.list(user.user_id);
    expect(userLogs.data.map((log) => log.type)).toEqual(['seacft', 's']);
    expect((await sdk.logs.get(logs.data[0]!.log_id!)).type).toBe('s');

    await sdk.refreshTokens.delete(tokens.data[0]!.id!);
    await sdk.sessions.delete(sidOf(login));
    await sdk.userGrants.deleteByUserId({ user_id: user.user_id });
    expect((await sdk.users.sessions.list(user.user_id)).data).toEqual([]);
    expect((await sdk.users.refreshToken.list(user.user_id)).data).toEqual([]);
    expect((await sdk.userGrants.list({ user_id: user.user_id })).data).toEqual([]);
  });
});

describe('bad input', () => {
  test('unknown ids are 404s', async () => {
    for (const path of [
      '/users/auth0%7Cnobody/sessions',
      '/users/auth0%7Cnobody/refresh-tokens',
      '/users/auth0%7Cnobody/logs',
      '/sessions/nope',
      '/refresh-tokens/nope',
      '/logs/nope',
    ]) {
      expect((await api('GET', path)).status, path).toBe(404);
    }
    for (const path of [
      '/users/auth0%7Cnobody/sessions',
      '/users/auth0%7Cnobody/refresh-tokens',
      '/sessions/nope',
      '/refresh-tokens/nope',
      '/grants/nope',
    ]) {
      expect((await api('DELETE', path)).status, path).toBe(404);
    }
  });

  test("a token without the endpoint's scope is a 403 naming Auth0's scopes", async () => {
    const token = await tokenWith('read:users');
    const cases: [string, string, string][] = [
      ['GET', '/users/auth0%7Cx/sessions', 'read:sessions'],
      ['DELETE', '/sessions/x', 'delete:sessions'],
      ['GET', '/refresh-tokens/x', 'read:refresh_tokens'],
      ['DELETE', '/users/auth0%7Cx/refresh-tokens', 'delete:refresh_tokens'],
      ['GET', '/grants', 'read:grants'],
      ['DELETE', '/grants?user_id=x', 'delete:grants'],
      ['GET', '/logs', 'read:logs,read:logs_users'],
      ['GET', '/users/auth0%7Cx/logs', 'read:logs,read:logs_users'],
    ];
    for (const [method, path, scopes] of cases) {
      const answer = await call<{ message: string }>(ctx.sandbox, method, `/api/v2${path}`, { token });
      expect(answer.status, path).toBe(403);
      expect(answer.body.message).toBe(`Insufficient scope, expected any of: ${scopes}`);
    }
    const reader = await tokenWith('read:logs_users');
    expect((await call(ctx.sandbox, 'GET', '/api/v2/logs', { token: reader })).status).toBe(200);
  });

  test('an unsupported log query is a 400, not a silent mismatch', async () => {
    expect((await api('GET', `/logs?q=${encodeURIComponent('description:*oops*')}`)).status).toBe(400);
    expect((await api('GET', '/logs?sort=type:1')).status).toBe(400);
    expect((await api('GET', '/logs?from=not-a-log-id')).status).toBe(400);
    expect((await api('GET', '/logs?page=10&per_page=100')).status).toBe(400);
  });
});

describe('the log store', () => {
  test('keeps the latest events only, ids increasing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-test-'));
    const store = openStore(join(dir, 'tenant.db'), { tenantName: 't', actionBuildDelayMs: 0 });
    try {
      const logs = new LogsRepo(store.db, store.clients, store.connections, 3);
      const ids = Array.from({ length: 5 }, (_, n) => logs.record({ type: 'sapi', description: `write ${n}` }).log_id);
      expect([...ids].sort()).toEqual(ids);
      expect(logs.search({ filters: {}, ascending: true, offset: 0, limit: 10 })).toMatchObject({
        total: 3,
        logs: [{ description: 'write 2' }, { description: 'write 3' }, { description: 'write 4' }],
      });
      expect(logs.get(ids[0]!)).toBeUndefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
