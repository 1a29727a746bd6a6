import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Outbox } from '../../local/sandbox/email';
import { OidcStore } from '../../local/sandbox/oidc';
import type { JsonObject } from '../../local/sandbox';
import {
  ACTION_ORDER,
  PAGES,
  PASSWORD,
  TERMS_VERSION,
  databaseUser,
  deployAction,
  pageAnswer,
  returningMetadata,
} from './login-fixtures';
import {
  discoverClient,
  Browser,
  CALLBACK,
  startAuthorization,
  startOidcSandbox,
  type Authorization,
  type OidcSandbox,
  type Visit,
} from './oidc-fixtures';

// The login pages behind /authorize (login, signup, forgot password, the simulated social
// provider), the Actions' pages on the way back to the application's callback, the event the
// Actions see (built from the real request), and the tenant's session lifetimes.

const REQUEST_CLAIM = 'https://sandbox.test/request';
// Deployed after the project's Actions: copies what it saw of the login into the tokens.
const ECHO_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim(${JSON.stringify(REQUEST_CLAIM)}, {
    ip: event.request.ip, user_agent: event.request.user_agent, method: event.request.method, query: event.request.query, body: event.request.body,
    language: event.request.language, protocol: event.transaction.protocol, requested_scopes: event.transaction.requested_scopes,
    prompt: event.transaction.prompt || null, ui_locales: event.transaction.ui_locales || null, acr_values: event.transaction.acr_values || null,
    session: event.session ? event.session.id : null, refresh_token: event.refresh_token ? event.refresh_token.id : null,
  });
  api.accessToken.setCustomClaim('https://sandbox.test/access', 'set by an Action');
};`;

let ctx: OidcSandbox;
let rp: client.Configuration;
let outbox: Outbox;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  deployAction(ctx.sandbox, 'echo-event', ECHO_ACTION, {});
  ctx.sandbox.store.actions.replaceBindings(
    'post-login',
    [...ACTION_ORDER, 'echo-event'].map((name) => ({ ref: { type: 'action_name', value: name } })),
  );
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  outbox = new Outbox(ctx.sandbox.store.db);
});

afterAll(async () => {
  await ctx?.close();
});

const authorization = (extra: Record<string, string> = {}): Promise<Authorization> =>
  startAuthorization(rp, CALLBACK, extra);

function exchange(
  started: Authorization,
  callback: string | undefined,
): ReturnType<typeof client.authorizationCodeGrant> {
  if (!callback) throw new Error('the browser did not reach the callback');
  return client.authorizationCodeGrant(rp, new URL(callback), {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
}

/** The Action's page the browser was sent to (`page.leftTo`) and its answer, as its answer page posts it to /continue. */
function pageAnswerOf(page: Visit, payload: JsonObject): { state: string; session_token: string } {
  if (!page.leftTo) throw new Error(`the browser was not sent to a page from ${page.url} (HTTP ${page.status})`);
  return pageAnswer(ctx, page.leftTo, payload);
}

/** What the browser does with the page's answer page: post its form to /continue. */
function continueWith(b: Browser, answer: Record<string, string>): Promise<Visit> {
  return b.visit(`${ctx.sandbox.url}/continue`, answer);
}

describe('signup', () => {
  test('the connection password policy is shown and enforced; verify_email is sent; the terms page; back at the callback; the link verifies the email', async () => {
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const started = await authorization({ screen_hint: 'signup', login_hint: 'new@example.com' });
    const page = await b.visit(started.url.toString());
    expect(page.url).toContain('/u/signup');
    expect(page.html).toContain('At least 8 characters');
    expect(page.html).toContain('value="new@example.com"');

    const weak = await b.submit(page, '/u/signup', { email: 'new@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('Password is too weak');
    expect(ctx.sandbox.store.users.findByEmail('new@example.com')).toEqual([]);

    const terms = await b.submit(weak, '/u/signup', { email: 'new@example.com', password: PASSWORD });
    expect(terms.leftTo?.startsWith(`${PAGES.terms}?`)).toBe(true);
    const [user] = ctx.sandbox.store.users.findByEmail('new@example.com');
    expect(user).toMatchObject({ email_verified: false });
    const [email] = outbox.list({ to: 'new@example.com' });
    expect(email).toMatchObject({ template: 'verify_email', user_id: user?.user_id });

    const accepted = pageAnswerOf(terms, { accepted: true, terms_version: TERMS_VERSION });
    // The signed answer works only in the browser that started the authorization (login CSRF).
    const stranger = await continueWith(new Browser(ctx.caFetch.fetch, ctx.sandbox.url), accepted);
    expect(stranger.status).toBe(400);
    expect(stranger.leftTo).toBeUndefined();
    const done = await continueWith(b, accepted);
    const tokens = await exchange(started, done.leftTo);
    expect(tokens.claims()).toMatchObject({ sub: user?.user_id, email: 'new@example.com', email_verified: false });

    const verified = await b.visit(email?.url ?? '');
    expect(verified.status).toBe(200);
    expect(ctx.sandbox.store.users.require(user?.user_id ?? '').email_verified).toBe(true);
    expect(ctx.sandbox.store.users.require(user?.user_id ?? '').app_metadata).toMatchObject({
      terms: { version: TERMS_VERSION },
    });
  });

  test('an email that already has an account: a generic error unless enable_public_signup_user_exists_error is on', async () => {
    databaseUser(ctx.sandbox, 'taken@example.com', { app_metadata: returningMetadata() });
    const attempt = async (): Promise<Visit> => {
      const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
      const page = await b.visit((await authorization({ screen_hint: 'signup' })).url.toString());
      return b.submit(page, '/u/signup', { email: 'taken@example.com', password: PASSWORD });
    };
    ctx.sandbox.store.tenant.updateSettings({ flags: { enable_public_signup_user_exists_error: false } });
    const generic = await attempt();
    expect(generic.status).toBe(400);
    expect(generic.html).toContain('Invalid sign up');
    expect(generic.html).not.toContain('already exists');
    ctx.sandbox.store.tenant.updateSettings({ flags: { enable_public_signup_user_exists_error: true } });
    expect((await attempt()).html).toContain('The user already exists.');
  });
});

describe('forgot password', () => {
  test('the same answer for a known and an unknown email; only the known one gets reset_email', async () => {
    const user = databaseUser(ctx.sandbox, 'forgetful@example.com', { app_metadata: returningMetadata() });
    const answers: string[] = [];
    for (const email of ['forgetful@example.com', 'nobody-here@example.com']) {
      const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
      const login = await b.visit((await authorization()).url.toString());
      const form = await b.visit(
        new URL(
          login.html.match(/href="([^"]*reset-password[^"]*)"/)?.[1]?.replace(/&amp;/g, '&') ?? '',
          login.url,
        ).toString(),
      );
      const sent = await b.submit(form, '/u/reset-password', { email });
      expect(sent.status).toBe(200);
      answers.push(sent.html.replace(/nonce-[^']+'|nonce="[^"]+"|value="[^"]*"|state=[^"]*"/g, ''));
    }
    expect(answers[0]).toContain("We've just sent you an email to reset your password.");
    expect(answers[0]).toBe(answers[1]);
    expect(outbox.list({ to: 'forgetful@example.com' })[0]).toMatchObject({
      template: 'reset_email',
      user_id: user.user_id,
    });
    expect(outbox.list({ to: 'nobody-here@example.com' })).toEqual([]);
  });
});

describe('simulated social provider', () => {
  test('a verified Google identity with the email of a database account: linking page → terms page → callback as the existing user', async () => {
    const existing = databaseUser(ctx.sandbox, 'social@example.com', { app_metadata: returningMetadata() });
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const started = await authorization({ connection: 'google-oauth2' });
    const google = await b.visit(started.url.toString());
    expect(google.url).toContain('/u/social/google-oauth2');
    const linking = await b.submit(google, '/u/social/google-oauth2', {
      email: 'Social@Example.com',
      name: 'Social Person',
      email_verified: 'true',
    });
    expect(linking.leftTo?.startsWith(`${PAGES.link}?`)).toBe(true);
    // The linking page, once the user proved control of the offered account: {link_to}.
    const terms = await continueWith(b, pageAnswerOf(linking, { link_to: existing.user_id }));
    // The login goes on as the Google identity until the end, so enforce-terms asks (as in npm start's first journey).
    expect(terms.leftTo?.startsWith(`${PAGES.terms}?`)).toBe(true);
    const done = await continueWith(b, pageAnswerOf(terms, { accepted: true, terms_version: TERMS_VERSION }));
    const tokens = await exchange(started, done.leftTo);
    expect(tokens.claims()?.sub).toBe(existing.user_id);
    expect(ctx.sandbox.store.users.require(existing.user_id).identities.map((identity) => identity.provider)).toEqual([
      'auth0',
      'google-oauth2',
    ]);
  });

  test('the pages escape what they echo and carry a strict CSP; a sign-in form may lead anywhere (an Action redirects after it), others to the callback at most', async () => {
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const started = await authorization({ login_hint: '"><script>alert(1)</script>' });
    const response = await ctx.caFetch.fetch(started.url.toString(), { headers: { accept: 'text/html' } });
    const location = response.headers.get('location') ?? '';
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const page = await ctx.caFetch.fetch(new URL(location, ctx.sandbox.url).toString(), { headers: { cookie } });
    const html = await page.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(
      /^default-src 'none'; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'; frame-ancestors 'none'; base-uri 'none'$/,
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // The forgotten-password form ends on the sandbox.
    const reset = await ctx.caFetch.fetch(new URL(location.replace('/u/login', '/u/reset-password'), ctx.sandbox.url), {
      headers: { cookie },
    });
    expect(reset.status).toBe(200);
    expect(reset.headers.get('content-security-policy')).toContain(
      `form-action 'self' ${ctx.sandbox.url} https://rp.example.com;`,
    );
    expect(b.cookies.size).toBe(0);
  });
});

describe('the event the Actions see', () => {
  test('built from the real request: ip, user agent, query, scopes, prompt, ui_locales, acr_values, session; oauth2-refresh-token on refresh', async () => {
    const user = databaseUser(ctx.sandbox, 'event@example.com', { app_metadata: returningMetadata() });
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const started = await authorization({ prompt: 'login', ui_locales: 'fr en', acr_values: 'urn:example:loa:1' });
    const page = await b.visit(started.url.toString());
    const done = await b.submit(page, '/u/login', { email: 'event@example.com', password: PASSWORD });
    const tokens = await exchange(started, done.leftTo);
    const claims = tokens.claims();
    if (!claims) throw new Error('no ID token');
    expect(claims.sub).toBe(user.user_id);
    const seen = claims[REQUEST_CLAIM] as Record<string, unknown>;
    expect(seen).toMatchObject({
      ip: '127.0.0.1',
      user_agent: 'oidc-test-browser/1.0',
      method: 'GET',
      body: {},
      language: 'fr',
      protocol: 'oidc-basic-profile',
      requested_scopes: ['openid', 'profile', 'email', 'offline_access'],
      prompt: ['login'],
      ui_locales: ['fr', 'en'],
      acr_values: ['urn:example:loa:1'],
      session: claims.sid,
      refresh_token: null,
    });
    expect(seen.query).toMatchObject({
      client_id: ctx.rp.client_id,
      redirect_uri: CALLBACK,
      state: started.state,
      ui_locales: 'fr en',
    });
    const access = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(access['https://sandbox.test/access']).toBe('set by an Action');

    const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token ?? '');
    const again = refreshed.claims()?.[REQUEST_CLAIM] as Record<string, unknown>;
    expect(again).toMatchObject({
      protocol: 'oauth2-refresh-token',
      method: 'POST',
      session: claims.sid,
      body: { grant_type: 'refresh_token', client_id: ctx.rp.client_id },
    });
    expect(typeof again.refresh_token).toBe('string');
    expect(JSON.stringify(again.body)).not.toContain(ctx.rp.client_secret);
  });
});

describe('session lifetimes', () => {
  test("the tenant's idle and absolute lifetimes end the SSO session; max_age=0 asks for the password again", async () => {
    databaseUser(ctx.sandbox, 'idle@example.com', { app_metadata: returningMetadata() });
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    const page = await b.visit((await authorization()).url.toString());
    await b.submit(page, '/u/login', { email: 'idle@example.com', password: PASSWORD });
    const sessionId = b.cookies.get('auth0') ?? '';
    const sessions = new OidcStore(ctx.sandbox.store.db);
    const session = sessions.session(sessionId);
    if (!session) throw new Error('no session stored');
    const silent = async (): Promise<string | null> =>
      new URL((await b.visit((await authorization({ prompt: 'none' })).url.toString())).leftTo ?? '').searchParams.get(
        'error',
      );

    expect(await silent()).toBeNull();
    expect((await b.visit((await authorization({ max_age: '0' })).url.toString())).url).toContain('/u/login');

    const { idle_session_lifetime: idleHours = 72 } = ctx.sandbox.store.tenant.settings();
    sessions.putSession({ ...session, last_interacted_at: Date.now() - (Number(idleHours) * 3_600_000 + 1000) });
    expect(await silent()).toBe('login_required');

    const page2 = await b.visit((await authorization()).url.toString());
    await b.submit(page2, '/u/login', { email: 'idle@example.com', password: PASSWORD });
    const second = sessions.session(b.cookies.get('auth0') ?? '');
    if (!second) throw new Error('no session stored');
    sessions.putSession({ ...second, expires_at: Date.now() - 1 });
    expect(await silent()).toBe('login_required');
  });

  test('a session whose sign-in no longer exists (its connection is gone) ends: login_required, or the login page', async () => {
    databaseUser(ctx.sandbox, 'orphan@example.com', { app_metadata: returningMetadata() });
    const b = new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
    await b.submit(await b.visit((await authorization()).url.toString()), '/u/login', {
      email: 'orphan@example.com',
      password: PASSWORD,
    });
    const sessions = new OidcStore(ctx.sandbox.store.db);
    const session = sessions.session(b.cookies.get('auth0') ?? '');
    if (!session) throw new Error('no session stored');
    sessions.putSession({ ...session, connection: 'deleted-connection' });
    const page = await b.visit((await authorization()).url.toString());
    expect(page.url).toContain('/u/login');
    sessions.putSession({ ...session, connection: 'deleted-connection' });
    const silent = await b.visit((await authorization({ prompt: 'none' })).url.toString());
    expect(new URL(silent.leftTo ?? '').searchParams.get('error')).toBe('login_required');
    expect(sessions.session(session.id)).toBeUndefined();
  });
});
