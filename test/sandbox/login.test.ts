import { createPublicKey } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signSessionToken } from '../../local/runtime';
import type { LoginResponse } from '../../local/sandbox/login/types';
import { call, clientToken } from './helpers';
import {
  ACTION_ORDER,
  PASSWORD,
  PAGES,
  TERMS_VERSION,
  databaseUser,
  deployAction,
  login,
  pageAnswer,
  postContinue,
  redirectParams,
  returningMetadata,
  startLoginSandbox,
  type LoginSandbox,
} from './login-fixtures';

// Logins through the four Actions deployed in a sandbox (straight into its store: no deploy-cli
// here), over the sandbox's HTTP API: every flow, what is applied to the stored user, the redirect
// round trips (the pages' answers signed by the test as the account service's pages would, see
// pageAnswer), and /continue's edge cases.

const GOOGLE = 'google-oauth2';
const executeAll = ACTION_ORDER.map((action) => ({ action, handler: 'onExecutePostLogin' }));

let ctx: LoginSandbox;

/** The page a login's redirect sends the browser to, with its query. */
function redirectUrl(response: LoginResponse): string {
  if (response.outcome !== 'redirect') throw new Error(`expected a redirect, got ${JSON.stringify(response)}`);
  return response.url;
}

beforeAll(async () => {
  ctx = await startLoginSandbox();
});

afterAll(async () => {
  await ctx?.close();
});

function expectOutcome<O extends LoginResponse['outcome']>(
  response: LoginResponse,
  outcome: O,
): Extract<LoginResponse, { outcome: O }> {
  expect(response.outcome, JSON.stringify(response)).toBe(outcome);
  return response as Extract<LoginResponse, { outcome: O }>;
}

async function verifyIdToken(token: string, audience: string): Promise<jwt.JwtPayload> {
  const jwks = await call<{ keys: (Record<string, string> & { kid: string })[] }>(
    ctx.sandbox,
    'GET',
    '/.well-known/jwks.json',
  );
  const header = jwt.decode(token, { complete: true })?.header;
  const jwk = jwks.body.keys.find((key) => key.kid === header?.kid);
  if (!jwk) throw new Error('no key for the ID token');
  const verified = jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
    algorithms: ['RS256'],
    audience,
    issuer: `${ctx.sandbox.url}/`,
  });
  if (typeof verified === 'string') throw new Error('string payload');
  return verified;
}

describe('interactive database logins', () => {
  test('a returning user: allowed with a signed ID token, no redirect, no Management API call', async () => {
    const user = databaseUser(ctx.sandbox, 'returning@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { nickname: 'Ret' },
    });
    const before = ctx.managementCalls();
    const response = expectOutcome(
      await login(ctx, {
        client: 'Customer Web App',
        connection: 'customers',
        flow: 'interactive',
        email: 'Returning@Example.com',
        password: PASSWORD,
        ip: '203.0.113.7',
      }),
      'allowed',
    );
    expect(ctx.managementCalls() - before).toBe(0);
    expect(response.executed).toEqual(executeAll);
    expect(response.user_id).toBe(user.user_id);

    const claims = await verifyIdToken(response.id_token, ctx.web.client_id);
    expect(claims).toMatchObject({
      sub: user.user_id,
      email: 'returning@example.com',
      email_verified: true,
      nickname: 'Ret',
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(response.claims).toEqual(claims);
    const stored = ctx.sandbox.store.users.require(user.user_id);
    expect(stored).toMatchObject({ logins_count: 1, last_ip: '203.0.113.7' });
  });

  test('refused before any Action runs: a wrong password, a blocked user, brute-force protection, a disabled grant or connection', async () => {
    const user = databaseUser(ctx.sandbox, 'refused@example.com', { app_metadata: returningMetadata() });
    const attempt = (password: string, extra = {}): Promise<LoginResponse> =>
      login(ctx, {
        client: 'Customer Web App',
        connection: 'customers',
        flow: 'interactive',
        email: 'refused@example.com',
        password,
        ip: '198.51.100.4',
        ...extra,
      });

    expect(await attempt('Wrong-Password-1')).toEqual({
      outcome: 'denied',
      error: 'invalid_grant',
      error_description: 'Wrong email or password.',
      executed: [],
      logs: [],
    });
    expect(
      await login(ctx, {
        client: 'Customer Web App',
        connection: 'customers',
        flow: 'interactive',
        email: 'nobody@example.com',
        password: PASSWORD,
      }),
    ).toMatchObject({ outcome: 'denied', error: 'invalid_grant', error_description: 'Wrong email or password.' });

    ctx.sandbox.store.users.update(user.user_id, { blocked: true });
    expect(await attempt(PASSWORD)).toMatchObject({
      outcome: 'denied',
      error: 'unauthorized',
      error_description: 'user is blocked',
      executed: [],
    });
    ctx.sandbox.store.users.update(user.user_id, { blocked: false });

    // Three consecutive failures from one IP block that identifier from that IP, even with the right password.
    ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', { max_attempts: 3 });
    try {
      for (let i = 0; i < 2; i++) expect(await attempt('Wrong-Password-1')).toMatchObject({ error: 'invalid_grant' });
      expect(await attempt('Wrong-Password-1')).toMatchObject({ error: 'invalid_grant' });
      expect(await attempt(PASSWORD)).toMatchObject({ outcome: 'denied', error: 'too_many_attempts', executed: [] });
      expect(ctx.sandbox.store.users.blocks(user.user_id)).toEqual([
        { identifier: 'refused@example.com', ip: '198.51.100.4', connection: 'customers' },
      ]);
      expect(await attempt(PASSWORD, { ip: '198.51.100.5' })).toMatchObject({ outcome: 'allowed' });
    } finally {
      ctx.sandbox.store.tenant.updateAttackProtection('brute-force-protection', { max_attempts: 10 });
      ctx.sandbox.store.users.clearBlocks(user.user_id);
    }

    expect(await attempt(PASSWORD, { flow: 'password' })).toMatchObject({
      outcome: 'denied',
      error: 'unauthorized_client',
      executed: [],
    });
    const other = ctx.sandbox.store.clients.create({ name: 'Not Enabled App', app_type: 'regular_web' });
    expect(await attempt(PASSWORD, { client: other.client_id })).toMatchObject({
      outcome: 'denied',
      error: 'invalid_request',
      executed: [],
    });
  });

  test('the login API refuses a malformed request, and callers other than the deploy client', async () => {
    const bad = await call(ctx.sandbox, 'POST', '/sandbox/login', {
      token: ctx.token,
      body: { client: 'Customer Web App', connection: 'customers', flow: 'magic' },
    });
    expect(bad.status).toBe(400);
    const unknown = await call<{ message: string }>(ctx.sandbox, 'POST', '/sandbox/login', {
      token: ctx.token,
      body: { client: 'Nope', connection: 'customers', flow: 'interactive' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('Unknown client "Nope"');
    const missing = await call<{ message: string }>(ctx.sandbox, 'POST', '/sandbox/login', {
      token: ctx.token,
      body: { client: 'Customer Web App', connection: 'customers', flow: 'interactive' },
    });
    expect(missing.body.message).toContain('needs "email" and "password"');

    expect((await call(ctx.sandbox, 'POST', '/sandbox/login', { body: {} })).status).toBe(401);
    const linking = ctx.sandbox.store.clients.list().find((c) => c.name === 'Account Linking M2M');
    const linkingToken = await clientToken(ctx.sandbox, linking?.client_id ?? '', linking?.client_secret ?? '');
    const forbidden = await call(ctx.sandbox, 'POST', '/sandbox/login', {
      token: linkingToken.body.access_token,
      body: {
        client: 'Customer Web App',
        connection: 'customers',
        flow: 'interactive',
        email: 'a@example.com',
        password: PASSWORD,
      },
    });
    expect(forbidden.status).toBe(403);
  });
});

describe("redirect round trips through the Actions' pages", () => {
  const profile = {
    sub: '109876543210987654321',
    email: 'existing@example.com',
    email_verified: true,
    name: 'Existing Customer',
    picture: 'https://lh3.googleusercontent.com/a/x',
  };

  test('a new Google user with the email of an existing account: linking page, terms page, then the ID token of the primary', async () => {
    const existing = databaseUser(ctx.sandbox, 'existing@example.com', { user_metadata: { theme: 'light' } });
    const first = expectOutcome(
      await login(ctx, { client: 'Customer Web App', connection: GOOGLE, flow: 'interactive', profile }),
      'redirect',
    );
    const toLink = redirectParams(first);
    expect(toLink.page).toBe(PAGES.link);
    expect(first.user_id).toBe(`google-oauth2|${profile.sub}`);
    // Saved before the browser left: the offer, on the new user.
    expect(ctx.sandbox.store.users.require(first.user_id).app_metadata.account_linking).toMatchObject({
      status: 'pending',
      offered: [existing.user_id],
    });

    // The linking page, once the user proved control of the offered account: {link_to}.
    const linked = pageAnswer(ctx, first.url, { link_to: existing.user_id });
    const afterLink = await postContinue(ctx, linked);
    const toTerms = redirectParams(afterLink.body);
    expect(toTerms.page).toBe(PAGES.terms);
    expect(afterLink.body.user_id).toBe(existing.user_id);
    const accepted = pageAnswer(ctx, redirectUrl(afterLink.body), { accepted: true, terms_version: TERMS_VERSION });
    const done = expectOutcome((await postContinue(ctx, accepted)).body, 'allowed');

    expect(done.user_id).toBe(existing.user_id);
    expect(done.claims).toMatchObject({ sub: existing.user_id, aud: ctx.web.client_id, email: 'existing@example.com' });
    expect(done.executed).toEqual([
      { action: 'gate-apps', handler: 'onExecutePostLogin' },
      { action: 'prompt-account-linking', handler: 'onExecutePostLogin' },
      { action: 'prompt-account-linking', handler: 'onContinuePostLogin' },
      { action: 'enforce-terms', handler: 'onExecutePostLogin' },
      { action: 'enforce-terms', handler: 'onContinuePostLogin' },
      { action: 'override-profile', handler: 'onExecutePostLogin' },
    ]);
    const primary = ctx.sandbox.store.users.require(existing.user_id);
    expect(primary.identities.map((i) => `${i.provider}|${i.user_id}`)).toEqual([
      existing.user_id,
      `google-oauth2|${profile.sub}`,
    ]);
    expect(primary.app_metadata).toMatchObject({
      terms: { version: TERMS_VERSION },
      account_linking: { status: 'linked' },
    });
    expect(primary.user_metadata).toEqual({ theme: 'light' });
    expect(ctx.sandbox.store.users.get(first.user_id)).toBeUndefined();

    // The state was used: a replay is refused.
    expect((await postContinue(ctx, accepted)).status).toBe(400);

    // Next time with Google: the primary, at once, without a Management API call.
    const before = ctx.managementCalls();
    const again = expectOutcome(
      await login(ctx, { client: 'Customer Web App', connection: GOOGLE, flow: 'interactive', profile }),
      'allowed',
    );
    expect(again.claims.sub).toBe(existing.user_id);
    expect(ctx.managementCalls() - before).toBe(0);
  });

  test('declining the link is remembered; declining the terms denies the login', async () => {
    databaseUser(ctx.sandbox, 'decliner@example.com');
    const google = {
      sub: '200000000000000000001',
      email: 'decliner@example.com',
      email_verified: true,
      name: 'Decliner',
    };
    const toLink = await login(ctx, {
      client: 'Customer Web App',
      connection: GOOGLE,
      flow: 'interactive',
      profile: google,
    });
    const toTerms = (await postContinue(ctx, pageAnswer(ctx, redirectUrl(toLink), { declined: true }))).body;
    const refused = pageAnswer(ctx, redirectUrl(toTerms), { accepted: false, terms_version: TERMS_VERSION });
    const done = (await postContinue(ctx, refused)).body;
    expect(done).toMatchObject({
      outcome: 'denied',
      error: 'access_denied',
      error_description: 'terms_declined',
      user_id: 'google-oauth2|200000000000000000001',
    });
    const stored = ctx.sandbox.store.users.require('google-oauth2|200000000000000000001');
    expect(stored.app_metadata.account_linking).toMatchObject({ status: 'declined' });
    expect(stored.app_metadata.terms).toBeUndefined();
  });

  test('a forged answer (another secret) is refused by the Action', async () => {
    databaseUser(ctx.sandbox, 'forged@example.com', {
      app_metadata: { account_linking: { status: 'no_candidates', checked_at: new Date().toISOString() } },
    });
    const toTerms = redirectParams(
      await login(ctx, {
        client: 'Customer Web App',
        connection: 'customers',
        flow: 'interactive',
        email: 'forged@example.com',
        password: PASSWORD,
      }),
    );
    const sub = (jwt.decode(toTerms.session_token) as jwt.JwtPayload).sub ?? '';
    const forgedAnswer = signSessionToken({
      secret: 'not-the-secret-not-the-secret-000',
      subject: sub,
      state: toTerms.state,
      payload: { accepted: true, terms_version: TERMS_VERSION },
    });
    const done = (await postContinue(ctx, { state: toTerms.state, session_token: forgedAnswer })).body;
    expect(done).toMatchObject({ outcome: 'denied', error_description: 'terms_invalid_session' });
  });

  test('/continue refuses a missing or unknown state', async () => {
    expect((await call(ctx.sandbox, 'POST', '/continue', { form: {} })).body).toEqual({
      error: 'invalid_request',
      error_description: 'The /continue request has no state parameter',
    });
    const unknown = await call<string>(ctx.sandbox, 'GET', '/continue?state=unknown-state', {
      headers: { accept: 'text/html' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('unknown, already used or expired');
  });
});

describe('non-interactive flows', () => {
  test('refresh-token, prompt=none and password logins cannot redirect: without accepted terms they are denied', async () => {
    const user = databaseUser(ctx.sandbox, 'silent@example.com');
    for (const flow of ['refresh-token', 'prompt-none'] as const) {
      const response = await login(ctx, {
        client: 'Customer Web App',
        connection: 'customers',
        flow,
        user: 'silent@example.com',
      });
      expect(response, flow).toMatchObject({
        outcome: 'denied',
        error: 'access_denied',
        error_description: 'terms_acceptance_required',
        user_id: user.user_id,
      });
    }
    // An exempt application lets them through; a refresh is not a login (logins_count unchanged).
    const count = ctx.sandbox.store.users.require(user.user_id).logins_count;
    expect(
      await login(ctx, { client: 'Profile SPA', connection: 'customers', flow: 'refresh-token', user: user.user_id }),
    ).toMatchObject({ outcome: 'allowed' });
    expect(ctx.sandbox.store.users.require(user.user_id).logins_count).toBe(count);
  });

  test('with accepted terms: refresh-token, prompt=none and the password grant are allowed', async () => {
    const user = databaseUser(ctx.sandbox, 'accepted@example.com', { app_metadata: returningMetadata() });
    for (const flow of ['refresh-token', 'prompt-none'] as const) {
      const response = expectOutcome(
        await login(ctx, { client: 'Customer Web App', connection: 'customers', flow, user: user.user_id }),
        'allowed',
      );
      expect(response.claims.sub).toBe(user.user_id);
    }
    const password = expectOutcome(
      await login(ctx, {
        client: 'Legacy App',
        connection: 'customers',
        flow: 'password',
        email: 'accepted@example.com',
        password: PASSWORD,
      }),
      'allowed',
    );
    expect(password.claims.aud).toBe(ctx.legacy.client_id);
    const unknown = await call<{ message: string }>(ctx.sandbox, 'POST', '/sandbox/login', {
      token: ctx.token,
      body: { client: 'Customer Web App', connection: 'customers', flow: 'refresh-token', user: 'ghost@example.com' },
    });
    expect(unknown.status).toBe(400);
  });
});

describe('Google profiles', () => {
  test('on_each_login refreshes the root profile at each login; on_first_login keeps the first one', async () => {
    const profile = {
      sub: '300000000000000000001',
      email: 'g@example.com',
      email_verified: true,
      name: 'First Name',
      picture: 'https://lh3.googleusercontent.com/a/1',
    };
    const request = { client: 'Profile SPA', connection: GOOGLE, flow: 'interactive' as const };
    const first = expectOutcome(await login(ctx, { ...request, profile }), 'allowed');
    expect(first.claims).toMatchObject({ name: 'First Name', sub: 'google-oauth2|300000000000000000001' });
    const second = expectOutcome(await login(ctx, { ...request, profile: { ...profile, name: 'Renamed' } }), 'allowed');
    expect(second.claims.name).toBe('Renamed');
    expect(ctx.sandbox.store.users.require(first.user_id).logins_count).toBe(2);

    const google = ctx.sandbox.store.connections.getByName(GOOGLE);
    ctx.sandbox.store.connections.update(google?.id ?? '', { options: { set_user_root_attributes: 'on_first_login' } });
    try {
      const third = expectOutcome(
        await login(ctx, { ...request, profile: { ...profile, name: 'Ignored' } }),
        'allowed',
      );
      expect(third.claims.name).toBe('Renamed');
    } finally {
      ctx.sandbox.store.connections.update(google?.id ?? '', {
        options: { set_user_root_attributes: 'on_each_login' },
      });
    }
  });
});

describe('the deployed code, secrets and versions', () => {
  let custom: LoginSandbox;
  const CODE = `
    let runs = 0; // module level: lives as long as this deployed version's instance
    exports.onExecutePostLogin = async (event, api) => {
      runs += 1;
      api.idToken.setCustomClaim('https://example.com/runs', runs);
      api.idToken.setCustomClaim('name', 'Overridden');
      api.idToken.setCustomClaim('https://example.com/mode', event.secrets.MODE);
      api.user.setAppMetadata('plan', { tier: 'gold' });
      api.user.setAppMetadata('obsolete', null);
      api.user.setUserMetadata('theme', 'dark');
      if (event.secrets.MODE === 'primary') api.authentication.setPrimaryUser(event.secrets.PRIMARY);
      if (event.secrets.MODE === 'redirect') api.redirect.sendUserTo('https://example.com/page');
    };
    exports.onContinuePostLogin = async () => {};
  `;

  beforeAll(async () => {
    custom = await startLoginSandbox({ pendingLoginTtlMs: 300 });
    deployAction(custom.sandbox, 'custom', CODE, { MODE: 'plain', PRIMARY: '' });
    custom.sandbox.store.actions.replaceBindings('post-login', [{ ref: { type: 'action_name', value: 'custom' } }]);
  });

  afterAll(async () => {
    await custom?.close();
  });

  const loginAs = (email: string): Promise<LoginResponse> =>
    login(custom, { client: 'Profile SPA', connection: 'customers', flow: 'interactive', email, password: PASSWORD });

  test('metadata writes merge into the stored user (null deletes), claims reach the ID token, a warm instance is reused until the next deploy', async () => {
    const user = databaseUser(custom.sandbox, 'custom@example.com', {
      app_metadata: { keep: 1, obsolete: true },
      user_metadata: { lang: 'fr' },
    });
    const first = expectOutcome(await loginAs('custom@example.com'), 'allowed');
    expect(first.claims).toMatchObject({
      name: 'Overridden',
      'https://example.com/runs': 1,
      'https://example.com/mode': 'plain',
    });
    expect(custom.sandbox.store.users.require(user.user_id)).toMatchObject({
      app_metadata: { keep: 1, plan: { tier: 'gold' } },
      user_metadata: { lang: 'fr', theme: 'dark' },
    });
    expect(custom.sandbox.store.users.require(user.user_id).app_metadata).not.toHaveProperty('obsolete');

    expect(expectOutcome(await loginAs('custom@example.com'), 'allowed').claims['https://example.com/runs']).toBe(2);
    deployAction(custom.sandbox, 'custom', CODE, { MODE: 'changed', PRIMARY: '' });
    const redeployed = expectOutcome(await loginAs('custom@example.com'), 'allowed');
    expect(redeployed.claims).toMatchObject({ 'https://example.com/runs': 1, 'https://example.com/mode': 'changed' });
  });

  test('setPrimaryUser to a user the identity is not linked to fails the login', async () => {
    const other = databaseUser(custom.sandbox, 'other@example.com');
    databaseUser(custom.sandbox, 'switcher@example.com');
    deployAction(custom.sandbox, 'custom', CODE, { MODE: 'primary', PRIMARY: other.user_id });
    expect(await loginAs('switcher@example.com')).toMatchObject({
      outcome: 'denied',
      error: 'access_denied',
      error_description: 'setPrimaryUser: the identity that signed in is not linked to that user',
    });
  });

  test('a suspended login expires; a sandbox restart would drop it the same way', async () => {
    databaseUser(custom.sandbox, 'slow@example.com');
    deployAction(custom.sandbox, 'custom', CODE, { MODE: 'redirect', PRIMARY: '' });
    const { state } = redirectParams(await loginAs('slow@example.com'));
    await sleep(400);
    const late = await postContinue(custom, { state });
    expect(late.status).toBe(400);
    expect(late.body).toMatchObject({ error: 'invalid_request' });
  });
});
