import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { passwordLogin, discoverClient, Browser, API } from '../sandbox/oidc-fixtures';
import { PROFILE_API, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The profile API against the sandbox: access tokens the tenant issued to an application (the
// relying party of the OIDC tests) for the profile API's audience, verified against the tenant's
// JWKS; the profile read and written through the Management API; every bad token refused.

let setup: LinkingSetup;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup();
  const { ctx } = setup;
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
});

afterAll(async () => {
  await setup?.close();
});

/** An access token of the application for `audience` with `scope`, after the user's login. */
async function accessToken(email: string, audience: string, scope: string): Promise<string> {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url]);
  return (await passwordLogin(rp, b, email, { scope, audience })).access_token;
}

const api = (method: 'GET' | 'PATCH', token: string | undefined, body?: unknown) =>
  fetch(`${setup.accountUrl}/api/profile`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('the profile API', () => {
  test('read and update with the scopes: the allow-listed metadata only, app_metadata untouched', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'api@example.com', {
      app_metadata: { ...returningMetadata(), entitlements: ['shop'] },
      user_metadata: { given_name: 'Ada', theme: 'dark' },
    });
    const token = await accessToken('api@example.com', PROFILE_API, 'openid read:profile update:profile');
    const read = await api('GET', token);
    expect(read.status).toBe(200);
    // Exactly the documented fields: no identity's provider account id, no primary flag.
    expect(await read.json()).toEqual({
      user_id: user.user_id,
      email: 'api@example.com',
      email_verified: true,
      name: expect.any(String),
      picture: expect.any(String),
      user_metadata: { given_name: 'Ada' },
      identities: [{ provider: 'auth0', connection: 'customers' }],
    });
    const updated = await api('PATCH', token, { family_name: 'Lovelace', preferred_language: 'fr' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({
      user_metadata: { given_name: 'Ada', family_name: 'Lovelace', preferred_language: 'fr' },
      identities: [{ provider: 'auth0', connection: 'customers' }],
    });
    const stored = setup.ctx.sandbox.store.users.require(user.user_id);
    expect(stored.user_metadata).toEqual({
      given_name: 'Ada',
      theme: 'dark',
      family_name: 'Lovelace',
      preferred_language: 'fr',
    });
    expect(stored.app_metadata).toMatchObject({ entitlements: ['shop'] });
  });

  test('bad tokens and bad input: a clear error, nothing stored', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'api-bad@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { given_name: 'Grace' },
    });
    const readOnly = await accessToken('api-bad@example.com', PROFILE_API, 'openid read:profile');
    const otherAudience = await accessToken('api-bad@example.com', API, 'openid read:orders');

    const noScope = await api('PATCH', readOnly, { given_name: 'Changed' });
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="update:profile"');

    const wrongAudience = await api('GET', otherAudience);
    expect(wrongAudience.status).toBe(401);
    expect(await wrongAudience.json()).toEqual({ error: 'invalid_token' });

    const tampered = await api('GET', `${readOnly.slice(0, -4)}AAAA`);
    expect(tampered.status).toBe(401);

    const missing = await api('GET', undefined);
    expect(missing.status).toBe(400);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer error="invalid_request"');

    const full = await accessToken('api-bad@example.com', PROFILE_API, 'openid update:profile');
    const outside = await api('PATCH', full, { given_name: 'Changed', blocked_apps: [] });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toEqual({ error: 'invalid_metadata', problems: { blocked_apps: 'not_allowed' } });
    const overCap = await api('PATCH', full, { nickname: 'n'.repeat(301) });
    expect(await overCap.json()).toEqual({ error: 'invalid_metadata', problems: { nickname: 'too_long' } });
    expect((await api('PATCH', full, ['given_name'])).status).toBe(400);

    expect(setup.ctx.sandbox.store.users.require(user.user_id).user_metadata).toEqual({ given_name: 'Grace' });
  });
});
