import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox, User, UserIdentity } from '../../local/sandbox';
import { call, clientToken, deployToken, startTestSandbox } from './helpers';

let sandbox: Sandbox;
let token: string;

const PASSWORD = 'Correct-Horse-42';
const enc = encodeURIComponent;

async function createUser(email: string, extra: Record<string, unknown> = {}): Promise<User> {
  const result = await call<User>(sandbox, 'POST', '/api/v2/users', {
    token,
    body: { connection: 'customers', email, password: PASSWORD, ...extra },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body;
}

function googleUser(email: string, identityId: string, extra: Record<string, unknown> = {}): User {
  return sandbox.store.users.findOrCreateFromIdentity({
    connection: 'google-oauth2',
    identityId,
    email,
    email_verified: true,
    name: 'G User',
    ...extra,
  });
}

async function patch(id: string, body: Record<string, unknown>, as = token) {
  return call<User & { message?: string }>(sandbox, 'PATCH', `/api/v2/users/${enc(id)}`, { token: as, body });
}

/** A Management API token issued to an end user (its `sub`), as /authorize would issue it with current_user scopes. */
function userToken(userId: string, scopes: string[]): string {
  const key = readFileSync(join(sandbox.stateDir, 'signing-key.pem'), 'utf8');
  return jwt.sign({ sub: userId, azp: 'spa-client-id', scope: scopes.join(' ') }, key, {
    algorithm: 'RS256',
    audience: sandbox.managementAudience,
    issuer: `${sandbox.url}/`,
    expiresIn: 600,
  });
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  token = await deployToken(sandbox);
  sandbox.store.connections.create({
    name: 'customers',
    strategy: 'auth0',
    options: { passwordPolicy: 'good', password_complexity_options: { min_length: 12 } },
  });
  sandbox.store.connections.create({ name: 'google-oauth2', strategy: 'google-oauth2', options: {} });
});

afterAll(async () => {
  await sandbox.close();
});

describe('database users', () => {
  test('POST /users creates an auth0| user with a database identity and a lower-cased email', async () => {
    const user = await createUser('Ada@Example.COM', { user_metadata: { preferred_language: 'fr' } });
    expect(user.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(user).toMatchObject({
      email: 'ada@example.com',
      email_verified: false,
      logins_count: 0,
      user_metadata: { preferred_language: 'fr' },
      app_metadata: {},
      identities: [
        { connection: 'customers', provider: 'auth0', isSocial: false, user_id: user.user_id.slice('auth0|'.length) },
      ],
    });
    expect(sandbox.store.users.verifyDatabasePassword('customers', 'ADA@example.com', PASSWORD)?.user_id).toBe(
      user.user_id,
    );
    expect(sandbox.store.users.verifyDatabasePassword('customers', 'ada@example.com', 'wrong')).toBeUndefined();
  });

  test('duplicates, weak passwords, unknown or social connections are refused', async () => {
    await createUser('dup@example.com');
    const duplicate = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'customers', email: 'DUP@example.com', password: PASSWORD },
    });
    expect(duplicate).toMatchObject({ status: 409, body: { message: 'The user already exists.' } });
    const weak = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'customers', email: 'weak@example.com', password: 'short1A!' },
    });
    expect(weak).toMatchObject({ status: 400, body: { message: 'PasswordStrengthError: Password is too weak' } });
    const unknown = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'nope', email: 'x@example.com', password: PASSWORD },
    });
    expect(unknown.status).toBe(400);
    const social = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'google-oauth2', email: 'x@example.com' },
    });
    expect(social.status).toBe(400);
    const badEmail = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'customers', email: 'not-an-email', password: PASSWORD },
    });
    expect(badEmail.status).toBe(400);
  });
});

describe('PATCH /users/{id}', () => {
  test('metadata: root keys merge, null deletes, nested objects are replaced, {} clears', async () => {
    const user = await createUser('meta@example.com', {
      app_metadata: { plan: 'gold', prefs: { a: 1, b: 2 }, keep: true },
      user_metadata: { theme: 'dark' },
    });
    const merged = await patch(user.user_id, { app_metadata: { plan: null, prefs: { c: 3 }, added: 'x' } });
    expect(merged.body.app_metadata).toEqual({ prefs: { c: 3 }, keep: true, added: 'x' });
    expect(merged.body.user_metadata).toEqual({ theme: 'dark' });
    const cleared = await patch(user.user_id, { user_metadata: {} });
    expect(cleared.body.user_metadata).toEqual({});
    expect(cleared.body.app_metadata).toEqual({ prefs: { c: 3 }, keep: true, added: 'x' });
  });

  test('blocked, profile fields, and an email change that resets verification', async () => {
    const user = await createUser('change@example.com', { email_verified: true });
    const blocked = await patch(user.user_id, { blocked: true, given_name: 'Ada', nickname: null });
    expect(blocked.body).toMatchObject({ blocked: true, given_name: 'Ada' });
    expect(blocked.body.nickname).toBeUndefined();
    const moved = await patch(user.user_id, { email: 'new@example.com' });
    expect(moved.body).toMatchObject({ email: 'new@example.com', email_verified: false });
    expect(sandbox.store.users.verifyDatabasePassword('customers', 'new@example.com', PASSWORD)?.user_id).toBe(
      user.user_id,
    );
    await createUser('taken@example.com');
    expect((await patch(user.user_id, { email: 'taken@example.com' })).status).toBe(409);
    const unblocked = await patch(user.user_id, { blocked: false });
    expect(unblocked.body.blocked).toBeUndefined();
  });

  test('a token with only update:users_app_metadata may change metadata and nothing else', async () => {
    const user = await createUser('scoped@example.com');
    const client = sandbox.store.clients.create({ name: 'metadata writer', app_type: 'non_interactive' });
    sandbox.store.clientGrants.create({
      client_id: client.client_id,
      audience: sandbox.managementAudience,
      scope: ['update:users_app_metadata'],
    });
    const limited = (await clientToken(sandbox, client.client_id, client.client_secret ?? '')).body.access_token;
    expect((await patch(user.user_id, { app_metadata: { a: 1 } }, limited)).status).toBe(200);
    expect((await patch(user.user_id, { blocked: true }, limited)).status).toBe(403);
  });

  test('unknown fields and users are rejected', async () => {
    const user = await createUser('strict@example.com');
    expect((await patch(user.user_id, { app_metadata: {}, roles: [] })).status).toBe(400);
    expect((await patch('auth0|000000000000000000000000', { blocked: true })).status).toBe(404);
  });
});

describe("current_user scopes act only on the token's own user", () => {
  const CURRENT_USER_SCOPES = [
    'read:current_user',
    'update:current_user_metadata',
    'delete:current_user',
    'update:current_user_identities',
  ];

  test('read, update user_metadata and delete: the own user only', async () => {
    const self = await createUser('self@example.com');
    const other = await createUser('other@example.com');
    const own = userToken(self.user_id, CURRENT_USER_SCOPES);
    const denied = {
      status: 403,
      body: { message: 'Insufficient scope, expected any of: read:users,read:user_idp_tokens' },
    };
    expect((await call(sandbox, 'GET', `/api/v2/users/${enc(self.user_id)}`, { token: own })).status).toBe(200);
    expect(await call(sandbox, 'GET', `/api/v2/users/${enc(other.user_id)}`, { token: own })).toMatchObject(denied);

    expect((await patch(self.user_id, { user_metadata: { theme: 'dark' } }, own)).status).toBe(200);
    expect(await patch(other.user_id, { user_metadata: { theme: 'dark' } }, own)).toMatchObject({
      status: 403,
      body: { message: 'Insufficient scope, expected any of: update:users,update:users_app_metadata' },
    });
    expect(sandbox.store.users.get(other.user_id)?.user_metadata).toEqual({});

    expect((await call(sandbox, 'DELETE', `/api/v2/users/${enc(other.user_id)}`, { token: own })).status).toBe(403);
    expect(sandbox.store.users.get(other.user_id)).toBeDefined();
    expect((await call(sandbox, 'DELETE', `/api/v2/users/${enc(self.user_id)}`, { token: own })).status).toBe(204);
  });

  test('update:current_user_metadata writes user_metadata only, never app_metadata', async () => {
    const self = await createUser('meta-self@example.com');
    const own = userToken(self.user_id, ['update:current_user_metadata']);
    const result = await patch(self.user_id, { app_metadata: { role: 'admin' } }, own);
    expect(result).toMatchObject({
      status: 403,
      body: { message: 'Insufficient scope, expected any of: update:users,update:users_app_metadata' },
    });
    expect((await patch(self.user_id, { user_metadata: { a: 1 }, app_metadata: { role: 'admin' } }, own)).status).toBe(
      403,
    );
    expect(sandbox.store.users.get(self.user_id)?.app_metadata).toEqual({});
  });

  test('update:current_user_identities links and unlinks under the own user only', async () => {
    const self = await createUser('ids-self@example.com');
    const other = await createUser('ids-other@example.com');
    googleUser('ids-other@example.com', '109000000000000000077');
    const own = userToken(self.user_id, CURRENT_USER_SCOPES);
    const link = await call(sandbox, 'POST', `/api/v2/users/${enc(other.user_id)}/identities`, {
      token: own,
      body: { provider: 'google-oauth2', user_id: '109000000000000000077' },
    });
    expect(link).toMatchObject({ status: 403, body: { message: 'Insufficient scope, expected any of: update:users' } });
    expect(sandbox.store.users.identityOwner('google-oauth2', '109000000000000000077')?.user_id).toBe(
      'google-oauth2|109000000000000000077',
    );
    expect(
      (
        await call(sandbox, 'POST', `/api/v2/users/${enc(self.user_id)}/identities`, {
          token: own,
          body: { provider: 'google-oauth2', user_id: '109000000000000000077' },
        })
      ).status,
    ).toBe(201);
    const otherKey = other.user_id.slice('auth0|'.length);
    expect(
      (
        await call(sandbox, 'DELETE', `/api/v2/users/${enc(other.user_id)}/identities/auth0/${otherKey}`, {
          token: own,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          sandbox,
          'DELETE',
          `/api/v2/users/${enc(self.user_id)}/identities/google-oauth2/109000000000000000077`,
          { token: own },
        )
      ).status,
    ).toBe(200);
    sandbox.store.users.delete('google-oauth2|109000000000000000077');
  });

  test('a client-credentials token has no current user: current_user scopes reach nobody', async () => {
    const user = await createUser('m2m-target@example.com');
    const client = sandbox.store.clients.create({ name: 'current user m2m', app_type: 'non_interactive' });
    sandbox.store.clientGrants.create({
      client_id: client.client_id,
      audience: sandbox.managementAudience,
      scope: CURRENT_USER_SCOPES,
    });
    const m2m = (await clientToken(sandbox, client.client_id, client.client_secret ?? '')).body.access_token;
    expect((await call(sandbox, 'GET', `/api/v2/users/${enc(user.user_id)}`, { token: m2m })).status).toBe(403);
    expect((await patch(user.user_id, { user_metadata: { a: 1 } }, m2m)).status).toBe(403);
    expect((await call(sandbox, 'DELETE', `/api/v2/users/${enc(user.user_id)}`, { token: m2m })).status).toBe(403);
  });
});

describe('limits: long ids, deep or dotted metadata', () => {
  test('a user id as long as creation allows is read, changed and deleted; a longer one is refused at creation', async () => {
    const longKey = 'k'.repeat(255);
    const user = await createUser('long-id@example.com', { user_id: longKey });
    expect(user.user_id).toBe(`auth0|${longKey}`);
    const path = `/api/v2/users/${enc(user.user_id)}`;
    expect((await call(sandbox, 'GET', path, { token })).status).toBe(200);
    expect((await patch(user.user_id, { user_metadata: { a: 1 } })).status).toBe(200);
    expect((await call(sandbox, 'GET', `/api/v2/user-blocks/${enc(user.user_id)}`, { token })).status).toBe(200);
    expect((await call(sandbox, 'DELETE', path, { token })).status).toBe(204);
    const tooLong = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'customers', email: 'longer@example.com', password: PASSWORD, user_id: 'k'.repeat(256) },
    });
    expect(tooLong).toMatchObject({ status: 400, body: { errorCode: 'invalid_body' } });
  });

  test('metadata nested too deep is a 400 that says so', async () => {
    const user = await createUser('deep@example.com');
    // Sent as text: the test's own JSON.stringify would overflow the stack at this depth.
    const deep = `${'{"a":'.repeat(4300)}1${'}'.repeat(4300)}`;
    for (const result of [
      await call(sandbox, 'PATCH', `/api/v2/users/${enc(user.user_id)}`, { token, raw: `{"user_metadata":${deep}}` }),
      await call(sandbox, 'POST', '/api/v2/users', {
        token,
        raw: `{"connection":"customers","email":"deep2@example.com","password":"${PASSWORD}","app_metadata":${deep}}`,
      }),
    ]) {
      expect(result).toMatchObject({
        status: 400,
        body: { errorCode: 'invalid_body', message: expect.stringMatching(/nested more than \d+ levels deep/) },
      });
    }
    expect(sandbox.store.users.findByEmail('deep2@example.com')).toEqual([]);
  });

  test('metadata keys with "." or "$" are refused, at any depth, as Auth0 refuses them', async () => {
    const user = await createUser('dotted@example.com');
    for (const metadata of [{ 'a.b': 1 }, { $set: 1 }, { outer: { 'x.y': true } }, { list: [{ $where: 'x' }] }]) {
      for (const field of ['user_metadata', 'app_metadata']) {
        const result = await patch(user.user_id, { [field]: metadata });
        expect(result, `${field} ${JSON.stringify(metadata)}`).toMatchObject({
          status: 400,
          body: { errorCode: 'invalid_body' },
        });
      }
    }
    const created = await call(sandbox, 'POST', '/api/v2/users', {
      token,
      body: { connection: 'customers', email: 'dotted2@example.com', password: PASSWORD, user_metadata: { 'a.b': 1 } },
    });
    expect(created.status).toBe(400);
    expect(sandbox.store.users.get(user.user_id)?.user_metadata).toEqual({});
  });
});

describe('lookups', () => {
  beforeAll(async () => {
    await createUser('find.me@example.com', { app_metadata: { plan: 'gold', beta: true, tier: 2 } });
    googleUser('Find.Me@example.com', '109000000000000000001');
  });

  test('users-by-email is exact and case-insensitive', async () => {
    const found = await call<User[]>(sandbox, 'GET', `/api/v2/users-by-email?email=${enc('FIND.ME@EXAMPLE.COM')}`, {
      token,
    });
    expect(found.body.map((u) => u.user_id.split('|')[0]).sort()).toEqual(['auth0', 'google-oauth2']);
    const partial = await call<User[]>(sandbox, 'GET', `/api/v2/users-by-email?email=${enc('find.me@example')}`, {
      token,
    });
    expect(partial.body).toEqual([]);
    const fields = await call<Record<string, unknown>[]>(
      sandbox,
      'GET',
      `/api/v2/users-by-email?email=${enc('find.me@example.com')}&fields=user_id,email`,
      { token },
    );
    expect(Object.keys(fields.body[0] ?? {}).sort()).toEqual(['email', 'user_id']);
    expect((await call(sandbox, 'GET', '/api/v2/users-by-email', { token })).status).toBe(400);
  });

  test('search q: the supported subset, combined with AND', async () => {
    const search = async (q: string) =>
      call<{ total: number; users: User[] }>(
        sandbox,
        'GET',
        `/api/v2/users?include_totals=true&search_engine=v3&q=${enc(q)}`,
        { token },
      );
    expect((await search('email:"find.me@example.com"')).body.total).toBe(2);
    expect(
      (await search('email:"find.me@example.com" AND identities.connection:"google-oauth2"')).body.users.map(
        (u) => u.user_id,
      ),
    ).toEqual(['google-oauth2|109000000000000000001']);
    expect((await search('app_metadata.plan:"gold"')).body.total).toBe(1);
    expect((await search('app_metadata.beta:true app_metadata.tier:2')).body.total).toBe(1);
    expect((await search('user_id:"google-oauth2|109000000000000000001"')).body.total).toBe(1);
    expect((await search('email_verified:true identities.provider:"google-oauth2"')).body.total).toBe(1);
  });

  test('unsupported queries, deprecated engines and paging past 1000 results are 400s', async () => {
    for (const q of [
      'email:*@example.com',
      'email:"a" OR email:"b"',
      'NOT blocked:true',
      'logins_count:[1 TO 5]',
      'favourite_color:"red"',
    ]) {
      const result = await call<{ message: string }>(sandbox, 'GET', `/api/v2/users?q=${enc(q)}`, { token });
      expect(result.status, q).toBe(400);
      expect(result.body.message).toMatch(/^Query not supported by the sandbox/);
    }
    expect((await call(sandbox, 'GET', '/api/v2/users?search_engine=v2', { token })).status).toBe(403);
    expect((await call(sandbox, 'GET', '/api/v2/users?per_page=100&page=9', { token })).status).toBe(200);
    expect((await call(sandbox, 'GET', '/api/v2/users?per_page=100&page=10', { token })).status).toBe(400);
    expect((await call(sandbox, 'GET', '/api/v2/users?sort=favourite:1', { token })).status).toBe(400);
  });

  test('sort and fields', async () => {
    const sorted = await call<User[]>(sandbox, 'GET', '/api/v2/users?sort=email:1&fields=email', { token });
    const emails = sorted.body.map((u) => (u.email ?? '').toLowerCase());
    expect(emails).toEqual([...emails].sort());
  });
});

describe('linking and unlinking identities', () => {
  test('the secondary moves under the primary, keeps its profile as profileData, loses its metadata, and can be unlinked', async () => {
    const primary = await createUser('linker@example.com', { email_verified: true, app_metadata: { plan: 'gold' } });
    const secondary = googleUser('linker@example.com', '109000000000000000002', { given_name: 'Lin' });
    sandbox.store.users.update(secondary.user_id, { user_metadata: { lost: true } });

    const linked = await call<UserIdentity[]>(sandbox, 'POST', `/api/v2/users/${enc(primary.user_id)}/identities`, {
      token,
      body: { provider: 'google-oauth2', user_id: '109000000000000000002' },
    });
    expect(linked.status).toBe(201);
    expect(linked.body).toEqual([
      expect.objectContaining({ provider: 'auth0', connection: 'customers' }),
      expect.objectContaining({
        provider: 'google-oauth2',
        user_id: '109000000000000000002',
        isSocial: true,
        profileData: expect.objectContaining({ email: 'linker@example.com', given_name: 'Lin', email_verified: true }),
      }),
    ]);
    expect((await call(sandbox, 'GET', `/api/v2/users/${enc(secondary.user_id)}`, { token })).status).toBe(404);
    expect(sandbox.store.users.identityOwner('google-oauth2', '109000000000000000002')?.user_id).toBe(primary.user_id);
    const byEmail = await call<User[]>(sandbox, 'GET', `/api/v2/users-by-email?email=${enc('linker@example.com')}`, {
      token,
    });
    expect(byEmail.body.map((u) => u.user_id)).toEqual([primary.user_id]);
    expect(byEmail.body[0]?.app_metadata).toEqual({ plan: 'gold' });

    const remaining = await call<UserIdentity[]>(
      sandbox,
      'DELETE',
      `/api/v2/users/${enc(primary.user_id)}/identities/google-oauth2/109000000000000000002`,
      { token },
    );
    expect(remaining.status).toBe(200);
    expect(remaining.body.map((i) => i.provider)).toEqual(['auth0']);
    const restored = await call<User>(sandbox, 'GET', `/api/v2/users/${enc(secondary.user_id)}`, { token });
    expect(restored.body).toMatchObject({ email: 'linker@example.com', given_name: 'Lin', user_metadata: {} });
  });

  test('refuses self-links, unknown secondaries, the main identity, and link_with', async () => {
    const primary = await createUser('solo@example.com');
    const key = primary.user_id.slice('auth0|'.length);
    const self = await call(sandbox, 'POST', `/api/v2/users/${enc(primary.user_id)}/identities`, {
      token,
      body: { provider: 'auth0', user_id: key },
    });
    expect(self.status).toBe(400);
    const ghost = await call(sandbox, 'POST', `/api/v2/users/${enc(primary.user_id)}/identities`, {
      token,
      body: { provider: 'google-oauth2', user_id: '1' },
    });
    expect(ghost.status).toBe(404);
    const main = await call(sandbox, 'DELETE', `/api/v2/users/${enc(primary.user_id)}/identities/auth0/${key}`, {
      token,
    });
    expect(main.status).toBe(400);
    const linkWith = await call(sandbox, 'POST', `/api/v2/users/${enc(primary.user_id)}/identities`, {
      token,
      body: { link_with: 'a.b.c' },
    });
    expect(linkWith.status).toBe(400);
    const missingPrimary = await call(sandbox, 'POST', `/api/v2/users/${enc('auth0|nope')}/identities`, {
      token,
      body: { provider: 'google-oauth2', user_id: '1' },
    });
    expect(missingPrimary.status).toBe(404);
  });
});

describe('user blocks, tickets, jobs, delete', () => {
  test('brute-force blocks are listed and cleared by id and by identifier', async () => {
    const user = await createUser('blocked@example.com');
    sandbox.store.users.addBlock(user.user_id, {
      identifier: 'blocked@example.com',
      ip: '10.0.0.1',
      connection: 'customers',
    });
    const blocks = await call(sandbox, 'GET', `/api/v2/user-blocks/${enc(user.user_id)}`, { token });
    expect(blocks.body).toEqual({
      blocked_for: [{ identifier: 'blocked@example.com', ip: '10.0.0.1', connection: 'customers' }],
    });
    const byIdentifier = await call<{ blocked_for: unknown[] }>(
      sandbox,
      'GET',
      `/api/v2/user-blocks?identifier=${enc('BLOCKED@example.com')}`,
      { token },
    );
    expect(byIdentifier.body.blocked_for).toHaveLength(1);
    // Only reported while brute-force protection blocks, when the caller asks for that.
    const considered = `/api/v2/user-blocks/${enc(user.user_id)}?consider_brute_force_enablement=true`;
    expect(
      (await call<{ blocked_for: unknown[] }>(sandbox, 'GET', considered, { token })).body.blocked_for,
    ).toHaveLength(1);
    sandbox.store.tenant.updateAttackProtection('brute-force-protection', { enabled: false });
    expect(
      (await call<{ blocked_for: unknown[] }>(sandbox, 'GET', considered, { token })).body.blocked_for,
    ).toHaveLength(0);
    sandbox.store.tenant.updateAttackProtection('brute-force-protection', { enabled: true });
    expect((await call(sandbox, 'DELETE', `/api/v2/user-blocks/${enc(user.user_id)}`, { token })).status).toBe(204);
    expect((await call(sandbox, 'GET', `/api/v2/user-blocks/${enc(user.user_id)}`, { token })).body).toEqual({
      blocked_for: [],
    });
    sandbox.store.users.addBlock(user.user_id, { identifier: 'blocked@example.com', connection: 'customers' });
    expect(
      (await call(sandbox, 'DELETE', `/api/v2/user-blocks?identifier=${enc('blocked@example.com')}`, { token })).status,
    ).toBe(204);
    expect(sandbox.store.users.blocks(user.user_id)).toEqual([]);
  });

  test('email verification and password change tickets are recorded', async () => {
    // verify_email: false, so that only the tickets asked for below exist (POST /users would send one).
    const user = await createUser('ticket@example.com', { verify_email: false });
    const verify = await call<{ ticket: string }>(sandbox, 'POST', '/api/v2/tickets/email-verification', {
      token,
      body: { user_id: user.user_id, result_url: 'http://localhost:3000/verified', ttl_sec: 3600 },
    });
    expect(verify.status).toBe(201);
    expect(verify.body.ticket).toMatch(
      new RegExp(`^https://${sandbox.domain.replace('.', '\\.')}/u/email-verification\\?ticket=\\w+#$`),
    );
    const change = await call<{ ticket: string }>(sandbox, 'POST', '/api/v2/tickets/password-change', {
      token,
      body: {
        email: 'ticket@example.com',
        connection_id: sandbox.store.connections.getByName('customers')?.id,
        mark_email_as_verified: true,
      },
    });
    expect(change.status).toBe(201);
    expect(sandbox.store.tickets.ticketsFor(user.user_id).map((t) => t.type)).toEqual([
      'email_verification',
      'password_change',
    ]);
    const social = googleUser('social-only@example.com', '109000000000000000003');
    expect(
      (await call(sandbox, 'POST', '/api/v2/tickets/password-change', { token, body: { user_id: social.user_id } }))
        .status,
    ).toBe(400);
    expect(
      (
        await call(sandbox, 'POST', '/api/v2/tickets/email-verification', {
          token,
          body: { user_id: user.user_id, ttl_sec: 9_999_999 },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call(sandbox, 'POST', '/api/v2/tickets/email-verification', { token, body: { user_id: 'auth0|nope' } }))
        .status,
    ).toBe(404);
  });

  test('verification-email jobs answer pending and read back completed', async () => {
    const user = await createUser('job@example.com');
    const job = await call<{ id: string; status: string; type: string }>(
      sandbox,
      'POST',
      '/api/v2/jobs/verification-email',
      { token, body: { user_id: user.user_id } },
    );
    expect(job).toMatchObject({ status: 201, body: { type: 'verification_email', status: 'pending' } });
    const read = await call<{ status: string }>(sandbox, 'GET', `/api/v2/jobs/${job.body.id}`, { token });
    expect(read.body.status).toBe('completed');
    expect(sandbox.store.tickets.jobsFor(user.user_id)).toHaveLength(1);
  });

  test('DELETE removes the user, its identities and its password', async () => {
    const user = await createUser('gone@example.com');
    expect((await call(sandbox, 'DELETE', `/api/v2/users/${enc(user.user_id)}`, { token })).status).toBe(204);
    expect((await call(sandbox, 'GET', `/api/v2/users/${enc(user.user_id)}`, { token })).status).toBe(404);
    expect(sandbox.store.users.verifyDatabasePassword('customers', 'gone@example.com', PASSWORD)).toBeUndefined();
    expect((await call(sandbox, 'DELETE', `/api/v2/users/${enc(user.user_id)}`, { token })).status).toBe(404);
    await createUser('gone@example.com');
  });
});
