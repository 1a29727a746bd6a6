import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, clientToken } from './helpers';
import { PASSWORD, databaseUser, returningMetadata } from './login-fixtures';
import {
  API,
  Browser,
  discoverClient,
  startAuthorization,
  type Authorization,
  CALLBACK,
  hiddenFields,
  LOGOUT_URL,
  SPA_CALLBACK,
  startOidcSandbox,
  type OidcSandbox,
  type Visit,
} from './oidc-fixtures';

// The sandbox as an OpenID Connect provider, driven by a relying party no one here wrote
// (panva's openid-client v6): discovery, the PKCE code flow through the login page and the
// deployed Actions, ID token validation, /userinfo, refresh rotation and reuse detection, SSO
// sessions and prompt=none, logout; and the bad inputs, none of which may redirect to an
// unregistered URI.

let ctx: OidcSandbox;
let rp: client.Configuration;
let spa: client.Configuration;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  spa = await discoverClient(ctx, ctx.spaClient.client_id);
});

afterAll(async () => {
  await ctx?.close();
});

function browser(): Browser {
  return new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
}

/** Opens /authorize, signs in on the login page, and returns where the browser left the sandbox. */
async function logIn(b: Browser, started: Authorization, email: string, password = PASSWORD): Promise<string> {
  const page = await b.visit(started.url.toString());
  expect(page.url).toContain('/u/login');
  const done = await b.submit(page, '/u/login', { email, password });
  if (!done.leftTo)
    throw new Error(
      `expected a redirect to the callback, got ${done.status} at ${done.url}: ${done.html.slice(0, 500)}`,
    );
  return done.leftTo;
}

describe('discovery', () => {
  test('the issuer has Auth0 trailing slash and the endpoints are on the sandbox origin', () => {
    const metadata = rp.serverMetadata();
    expect(metadata.issuer).toBe(`${ctx.sandbox.url}/`);
    expect(metadata.authorization_endpoint).toBe(`${ctx.sandbox.url}/authorize`);
    expect(metadata.token_endpoint).toBe(`${ctx.sandbox.url}/oauth/token`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
  });
});

describe('authorization code flow with PKCE', () => {
  test('a confidential client: login page → Actions → code → tokens; ID token validated by openid-client; /userinfo; refresh rotation', async () => {
    const user = databaseUser(ctx.sandbox, 'rp-user@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const started = await startAuthorization(rp, CALLBACK, {
      audience: API,
      scope: 'openid profile email offline_access read:orders delete:everything',
    });
    const callback = await logIn(b, started, 'rp-user@example.com');
    expect(callback.startsWith(`${CALLBACK}?`)).toBe(true);
    expect(b.cookies.has('auth0')).toBe(true);

    const tokens = await client.authorizationCodeGrant(rp, new URL(callback), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      iss: `${ctx.sandbox.url}/`,
      sub: user.user_id,
      aud: ctx.rp.client_id,
      email: 'rp-user@example.com',
      nonce: started.nonce,
    });
    expect(typeof claims?.sid).toBe('string');
    expect(typeof claims?.auth_time).toBe('number');
    expect(claims!.exp - claims!.iat).toBe(600);
    // Only the scopes the API defines (plus the OIDC ones) make it into the access token.
    expect(tokens.scope).toBe('openid profile email offline_access read:orders');
    const access = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(access).toMatchObject({
      sub: user.user_id,
      aud: [API, `${ctx.sandbox.url}/userinfo`],
      azp: ctx.rp.client_id,
      scope: 'openid profile email offline_access read:orders',
    });
    expect(tokens.refresh_token).toBeTruthy();

    const info = await client.fetchUserInfo(rp, tokens.access_token, user.user_id);
    expect(info).toMatchObject({ sub: user.user_id, email: 'rp-user@example.com', email_verified: true });

    // Rotation: each exchange answers a new refresh token and an ID token for the same user.
    const first = await client.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.claims()?.sub).toBe(user.user_id);
    const second = await client.refreshTokenGrant(rp, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();

    // Replaying a rotated token revokes the whole family: the newest token stops working too.
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'Unknown or invalid refresh token.',
    });
    await expect(client.refreshTokenGrant(rp, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('rotation leeway: the immediately previous token works again within it, the one before that revokes the family', async () => {
    databaseUser(ctx.sandbox, 'leeway@example.com', { app_metadata: returningMetadata() });
    const settings = ctx.rp.refresh_token as Record<string, unknown>;
    ctx.sandbox.store.clients.update(ctx.rp.client_id, { refresh_token: { ...settings, leeway: 60 } });
    try {
      const started = await startAuthorization(rp, CALLBACK);
      const tokens = await client.authorizationCodeGrant(
        rp,
        new URL(await logIn(browser(), started, 'leeway@example.com')),
        { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce },
      );
      const t0 = tokens.refresh_token!;
      const t1 = (await client.refreshTokenGrant(rp, t0)).refresh_token!;
      // A retry of t0 (a lost response) within the leeway: a fresh token, no reuse detection.
      expect((await client.refreshTokenGrant(rp, t0)).refresh_token).toBeTruthy();
      const t2 = (await client.refreshTokenGrant(rp, t1)).refresh_token!;
      // t0 is now two rotations old: reuse, the whole family goes.
      await expect(client.refreshTokenGrant(rp, t0)).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(client.refreshTokenGrant(rp, t2)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      ctx.sandbox.store.clients.update(ctx.rp.client_id, { refresh_token: settings });
    }
  });

  test('a public client (token_endpoint_auth_method none) with PKCE; a non-rotating refresh token answers no new one', async () => {
    databaseUser(ctx.sandbox, 'spa-user@example.com', { app_metadata: returningMetadata() });
    const started = await startAuthorization(spa, SPA_CALLBACK);
    const callback = await logIn(browser(), started, 'spa-user@example.com');
    const tokens = await client.authorizationCodeGrant(spa, new URL(callback), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    expect(tokens.claims()?.email).toBe('spa-user@example.com');
    const refreshed = await client.refreshTokenGrant(spa, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeUndefined();
    expect((await client.refreshTokenGrant(spa, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  test('the refresh grant runs the Actions (oauth2-refresh-token): a deny there fails the grant', async () => {
    const user = databaseUser(ctx.sandbox, 'later-blocked@example.com', { app_metadata: returningMetadata() });
    const started = await startAuthorization(rp, CALLBACK);
    const callback = await logIn(browser(), started, 'later-blocked@example.com');
    const tokens = await client.authorizationCodeGrant(rp, new URL(callback), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    ctx.sandbox.store.users.update(user.user_id, { app_metadata: { blocked_apps: [ctx.rp.client_id] } });
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'access_denied',
      error_description: 'app_blocked',
    });
  });

  test('a wrong password stays on the login page with the error, and no code is issued', async () => {
    databaseUser(ctx.sandbox, 'typo@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const page = await b.visit((await startAuthorization(rp, CALLBACK)).url.toString());
    const again = await b.submit(page, '/u/login', { email: 'typo@example.com', password: 'Wrong-Password-1' });
    expect(again.status).toBe(401);
    expect(again.leftTo).toBeUndefined();
    expect(again.html).toContain('Wrong email or password.');
  });
});

describe('response_mode=form_post', () => {
  test('the code, or the error, comes as a form the browser posts to the registered callback', async () => {
    databaseUser(ctx.sandbox, 'form-post@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const silent = await startAuthorization(rp, CALLBACK, { prompt: 'none', response_mode: 'form_post' });
    const refused = await b.visit(silent.url.toString());
    expect(refused.leftTo).toBeUndefined();
    expect(hiddenFields(refused, CALLBACK)).toEqual({
      error: 'login_required',
      error_description: 'Login required',
      state: silent.state,
    });

    const started = await startAuthorization(rp, CALLBACK, { response_mode: 'form_post' });
    const answered = await b.submit(await b.visit(started.url.toString()), '/u/login', {
      email: 'form-post@example.com',
      password: PASSWORD,
    });
    expect(answered.status).toBe(200);
    const posted = new Request(CALLBACK, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(hiddenFields(answered, CALLBACK)).toString(),
    });
    const tokens = await client.authorizationCodeGrant(rp, posted, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    expect(tokens.claims()?.email).toBe('form-post@example.com');

    const unsupported = await startAuthorization(rp, CALLBACK, { response_mode: 'fragment' });
    expect(new URL((await b.visit(unsupported.url.toString())).leftTo ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    );
  });
});

describe('SSO session and prompt', () => {
  test('prompt=none: login_required without a session; a code from the session after a login; prompt=login shows the page again', async () => {
    databaseUser(ctx.sandbox, 'sso@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const silentBefore = await startAuthorization(rp, CALLBACK, { prompt: 'none' });
    const refused = await b.visit(silentBefore.url.toString());
    const refusedUrl = new URL(refused.leftTo ?? '');
    expect(`${refusedUrl.origin}${refusedUrl.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(refusedUrl.searchParams)).toEqual({
      error: 'login_required',
      error_description: 'Login required',
      state: silentBefore.state,
    });

    await logIn(b, await startAuthorization(rp, CALLBACK), 'sso@example.com');
    const silent = await startAuthorization(rp, CALLBACK, { prompt: 'none' });
    const answered = await b.visit(silent.url.toString());
    const tokens = await client.authorizationCodeGrant(rp, new URL(answered.leftTo ?? ''), {
      pkceCodeVerifier: silent.verifier,
      expectedState: silent.state,
      expectedNonce: silent.nonce,
    });
    expect(tokens.claims()?.email).toBe('sso@example.com');

    const forced = await b.visit((await startAuthorization(rp, CALLBACK, { prompt: 'login' })).url.toString());
    expect(forced.url).toContain('/u/login');
  });

  test('with a session, silent authentication for an API on a localhost callback answers consent_required, as Auth0 does', async () => {
    databaseUser(ctx.sandbox, 'localhost@example.com', { app_metadata: returningMetadata() });
    const localhost = 'http://localhost:3000/callback';
    ctx.sandbox.store.clients.update(ctx.rp.client_id, { callbacks: [CALLBACK, localhost] });
    const b = browser();
    await logIn(b, await startAuthorization(rp, CALLBACK), 'localhost@example.com');
    // The same silent request on the registered non-localhost callback is answered from the session.
    expect(
      new URL(
        (await b.visit((await startAuthorization(rp, CALLBACK, { prompt: 'none', audience: API })).url.toString()))
          .leftTo ?? '',
      ).searchParams.has('code'),
    ).toBe(true);
    const silent = await startAuthorization(rp, localhost, { prompt: 'none', audience: API });
    const answered = new URL((await b.visit(silent.url.toString())).leftTo ?? '');
    expect(Object.fromEntries(answered.searchParams)).toEqual({
      error: 'consent_required',
      error_description: 'Consent required',
      state: silent.state,
    });
  });

  test('logout ends the session (prompt=none then needs a login) and goes only to an allowed URL', async () => {
    databaseUser(ctx.sandbox, 'bye@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const started = await startAuthorization(rp, CALLBACK);
    const tokens = await client.authorizationCodeGrant(rp, new URL(await logIn(b, started, 'bye@example.com')), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });

    const refused = await b.visit(
      `${ctx.sandbox.url}/v2/logout?client_id=${ctx.rp.client_id}&returnTo=${encodeURIComponent('https://evil.example.com/')}`,
    );
    expect(refused.status).toBe(400);
    expect(refused.leftTo).toBeUndefined();
    expect(refused.html).toContain('Allowed Logout URLs');
    expect(b.cookies.has('auth0')).toBe(true);

    const endSession = client.buildEndSessionUrl(rp, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: LOGOUT_URL,
      state: 'bye',
    });
    const out = await b.visit(endSession.toString());
    expect(out.leftTo).toBe(`${LOGOUT_URL}?state=bye`);
    expect(b.cookies.has('auth0')).toBe(false);

    const silent = await startAuthorization(rp, CALLBACK, { prompt: 'none' });
    expect(new URL((await b.visit(silent.url.toString())).leftTo ?? '').searchParams.get('error')).toBe(
      'login_required',
    );

    const v2 = await b.visit(
      `${ctx.sandbox.url}/v2/logout?client_id=${ctx.rp.client_id}&returnTo=${encodeURIComponent(`${LOGOUT_URL}?from=v2`)}`,
    );
    expect(v2.leftTo).toBe(`${LOGOUT_URL}?from=v2`);
  });
});

describe('bad input: a clear error page or an OAuth error, never a redirect to an unregistered URI', () => {
  test('an unregistered redirect_uri gets an error page', async () => {
    const started = await startAuthorization(rp, 'https://evil.example.com/callback');
    const page: Visit = await browser().visit(started.url.toString());
    expect(page.status).toBe(400);
    expect(page.leftTo).toBeUndefined();
    expect(page.html).toContain(
      'Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.',
    );
  });

  test('an unknown client gets an error page', async () => {
    const page = await browser().visit(
      `${ctx.sandbox.url}/authorize?client_id=nope&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}`,
    );
    expect(page.status).toBe(400);
    expect(page.leftTo).toBeUndefined();
  });

  test('a public client without state, or without PKCE, gets invalid_request at its registered callback', async () => {
    const noState = new URL(`${ctx.sandbox.url}/authorize`);
    const challenge = await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier());
    for (const [name, value] of Object.entries({
      client_id: ctx.spaClient.client_id,
      response_type: 'code',
      redirect_uri: SPA_CALLBACK,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      noState.searchParams.set(name, value);
    }
    const answered = new URL((await browser().visit(noState.toString())).leftTo ?? '');
    expect(answered.origin + answered.pathname).toBe(SPA_CALLBACK);
    expect(answered.searchParams.get('error')).toBe('invalid_request');
    expect(answered.searchParams.get('error_description')).toBe('The state parameter is required for public clients');

    const noPkce = client.buildAuthorizationUrl(spa, { redirect_uri: SPA_CALLBACK, scope: 'openid', state: 'x' });
    const refused = new URL((await browser().visit(noPkce.toString())).leftTo ?? '');
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('state')).toBe('x');
  });

  test('a PKCE verifier that does not match, then the code reused after a good exchange (which revokes its refresh token)', async () => {
    databaseUser(ctx.sandbox, 'pkce@example.com', { app_metadata: returningMetadata() });
    const b = browser();
    const wrong = await startAuthorization(rp, CALLBACK);
    const wrongCallback = await logIn(b, wrong, 'pkce@example.com');
    await expect(
      client.authorizationCodeGrant(rp, new URL(wrongCallback), {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: wrong.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant', error_description: 'Failed to verify code verifier' });

    // The browser's SSO session answers this second authorization without the login page.
    const started = await startAuthorization(rp, CALLBACK);
    const callback = new URL((await b.visit(started.url.toString())).leftTo ?? '');
    const tokens = await client.authorizationCodeGrant(rp, callback, {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    await expect(
      client.authorizationCodeGrant(rp, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
    await expect(client.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('an unknown audience is access_denied at the callback; the Management API audience is refused to users', async () => {
    const b = browser();
    const unknown = await startAuthorization(rp, CALLBACK, { audience: 'https://nope.example.com/' });
    const answered = new URL((await b.visit(unknown.url.toString())).leftTo ?? '');
    expect(Object.fromEntries(answered.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'Service not found: https://nope.example.com/',
      state: unknown.state,
    });
    const management = await startAuthorization(rp, CALLBACK, { audience: ctx.sandbox.managementAudience });
    expect(new URL((await b.visit(management.url.toString())).leftTo ?? '').searchParams.get('error')).toBe(
      'access_denied',
    );
  });

  test('a login form posted without the transaction cookie or with a wrong CSRF token is refused', async () => {
    const b = browser();
    const page = await b.visit((await startAuthorization(rp, CALLBACK)).url.toString());
    const forged = await b.submit(page, '/u/login', { email: 'x@example.com', password: PASSWORD, csrf: 'forged' });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('Login expired');
    const stranger = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const replayed = await stranger.submit(page, '/u/login', { email: 'x@example.com', password: PASSWORD });
    expect(replayed.status).toBe(400);
  });

  test("the token endpoint: the client's own auth method only, the same redirect_uri, and /userinfo refuses a bad token", async () => {
    databaseUser(ctx.sandbox, 'strict@example.com', { app_metadata: returningMetadata() });
    const started = await startAuthorization(rp, CALLBACK);
    const code = new URL(await logIn(browser(), started, 'strict@example.com')).searchParams.get('code') ?? '';
    const token = async (
      form: Record<string, string>,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await ctx.caFetch.fetch(`${ctx.sandbox.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const grant = { grant_type: 'authorization_code', code, code_verifier: started.verifier, redirect_uri: CALLBACK };
    // The client is registered with client_secret_basic: the secret in the body is not accepted.
    expect(await token({ ...grant, client_id: ctx.rp.client_id, client_secret: ctx.rp.client_secret })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    const basic = {
      authorization: `Basic ${Buffer.from(`${ctx.rp.client_id}:${ctx.rp.client_secret}`).toString('base64')}`,
    };
    expect(await token({ ...grant, redirect_uri: `${CALLBACK}/other` }, basic)).toMatchObject({
      status: 403,
      body: { error: 'invalid_grant' },
    });
    expect(await token({ ...grant, grant_type: 'password' }, basic)).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });

    const userinfo = await ctx.caFetch.fetch(`${ctx.sandbox.url}/userinfo`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toContain('invalid_token');
  });

  test('client_credentials still answers from the Management API token endpoint', async () => {
    const issued = await clientToken(
      ctx.sandbox,
      ctx.sandbox.deployClient.client_id,
      ctx.sandbox.deployClient.client_secret,
    );
    expect(issued.status).toBe(200);
    const users = await call(ctx.sandbox, 'GET', '/api/v2/users?per_page=1', { token: issued.body.access_token });
    expect(users.status).toBe(200);
  });
});
