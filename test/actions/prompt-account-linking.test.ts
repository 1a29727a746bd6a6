import { describe, expect, it } from 'vitest';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import { createCacheStore, runLogin, signSessionToken, type Flow, type LoginResult } from '../../local/runtime';
import {
  createFakeManagementApi,
  databaseUser,
  fakeUserFrom,
  FAKE_CLIENT_ID,
  type FakeManagementApi,
  type FakeUser,
} from '../../tooling/harness';
import {
  answer,
  asRedirect,
  event,
  isoAgo,
  LINKING_URL,
  loadBundle,
  SECRETS,
  sentToken,
  SESSION_SECRET,
  unexpectedErrors,
} from '../../tooling/harness';

/** A new Google user whose email also belongs to an existing, verified database account. */
function setup(
  options: {
    flow?: Flow;
    verified?: boolean;
    appMetadata?: Record<string, JsonValue>;
    userMetadata?: Record<string, JsonValue>;
    others?: (email: string) => FakeUser[];
    secrets?: Record<string, string>;
    tokenExpiresIn?: number;
  } = {},
) {
  const ev = event(
    { user: 'google', returning: false, flow: options.flow, emailVerified: options.verified ?? true, seed: 7 },
    { user: { app_metadata: options.appMetadata ?? {}, user_metadata: options.userMetadata ?? {} } },
  );
  const email = ev.user.email as string;
  const others = options.others ? options.others(email) : [databaseUser('db1', email)];
  const mgmt = createFakeManagementApi({
    users: [fakeUserFrom(ev.user), ...others],
    tokenExpiresIn: options.tokenExpiresIn,
  });
  const action = loadBundle('prompt-account-linking', { fetch: mgmt.fetch, secrets: options.secrets });
  return {
    ev,
    email,
    mgmt,
    action,
    login: (e: Event = ev, cache = createCacheStore()) => runLogin({ actions: [action], event: e, cache }),
  };
}

const routes = (mgmt: FakeManagementApi): string[] => mgmt.calls.map((c) => `${c.route}:${c.status}`);
const messages = (result: LoginResult): string[] => result.logs.map((l) => l.message);

describe('prompt-account-linking: the offer', () => {
  it('redirects to LINKING_URL with candidates as ids, connection and provider only', async () => {
    const { ev, email, mgmt, login } = setup();
    const result = await login();
    const { url, claims } = sentToken(result);
    expect(url.origin + url.pathname).toBe(LINKING_URL);
    expect(claims.candidates).toEqual([
      { user_id: 'auth0|db1', connection: 'Username-Password-Authentication', provider: 'auth0' },
    ]);
    expect(claims.sub).toBe(ev.user.user_id);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600);
    const everything = JSON.stringify(claims);
    for (const personal of [email, 'Existing Account', ev.user.name as string])
      expect(everything).not.toContain(personal);
    expect(result.appMetadataWrites.account_linking).toMatchObject({ status: 'pending', offered: ['auth0|db1'] });
    expect(routes(mgmt)).toEqual(['token:200', 'users-by-email:200']);
    expect(mgmt.calls[1]?.path).toBe(`/api/v2/users-by-email?email=${encodeURIComponent(email)}`);
  });

  it("records no_candidates when the email is nobody else's, then makes zero calls until the cooldown passes", async () => {
    const { mgmt, login, ev } = setup({ others: () => [] });
    const first = await login();
    expect(first.outcome).toBe('allowed');
    const state = first.appMetadataWrites.account_linking as { status: string; checked_at: string };
    expect(state.status).toBe('no_candidates');
    expect(Math.abs(Date.parse(state.checked_at) - Date.now())).toBeLessThan(5_000);
    mgmt.reset([fakeUserFrom(first.user), databaseUser('late', ev.user.email as string)]);
    const returning = await login({ ...ev, user: first.user });
    expect(returning.outcome).toBe('allowed');
    expect(mgmt.count()).toBe(0);
    const later = await login({
      ...ev,
      user: { ...first.user, app_metadata: { account_linking: { status: 'no_candidates', checked_at: isoAgo(31) } } },
    });
    expect(later.outcome).toBe('redirect');
    expect(mgmt.count('users-by-email')).toBe(1);
  });

  it('does not offer candidates whose email is unverified', async () => {
    const { mgmt, login } = setup({ others: (email) => [databaseUser('db1', email, { email_verified: false })] });
    const result = await login();
    expect(result.outcome).toBe('allowed');
    expect(result.appMetadataWrites.account_linking).toMatchObject({ status: 'no_candidates' });
    expect(mgmt.count('link')).toBe(0);
  });

  it('does not offer an account an administrator blocked', async () => {
    const { mgmt, login } = setup({ others: (email) => [databaseUser('db1', email, { blocked: true })] });
    const result = await login();
    expect(result.outcome).toBe('allowed');
    expect(result.appMetadataWrites.account_linking).toMatchObject({ status: 'no_candidates' });
    expect(mgmt.count('link')).toBe(0);
  });

  it("neither offers nor links an account whose id is over Auth0's 128 characters for setPrimaryUser", async () => {
    const long = `x${'y'.repeat(122)}`; // auth0|… is 129 characters
    const { mgmt, login } = setup({ others: (email) => [databaseUser(long, email)] });
    const result = await login();
    expect(result.appMetadataWrites.account_linking).toMatchObject({ status: 'no_candidates' });
    expect(mgmt.count('update-user') + mgmt.count('link')).toBe(0);
    expect(unexpectedErrors(result)).toEqual([]);
  });

  it('does not look anything up for a user whose own email is unverified', async () => {
    const { mgmt, login } = setup({ verified: false });
    const result = await login();
    expect(result).toMatchObject({ outcome: 'allowed', appMetadataWrites: {} });
    expect(mgmt.count()).toBe(0);
  });

  it.each(['refresh-token', 'prompt-none', 'password'] as const)('does nothing on %s', async (flow) => {
    const { mgmt, login } = setup({ flow });
    const result = await login();
    expect(result).toMatchObject({ outcome: 'allowed', appMetadataWrites: {} });
    expect(mgmt.count()).toBe(0);
  });

  it('does nothing for a user who already has linked identities', async () => {
    const { mgmt, action } = setup();
    const result = await runLogin({ actions: [action], event: event({ user: 'linked' }) });
    expect(result.outcome).toBe('allowed');
    expect(mgmt.count()).toBe(0);
  });

  it('skips, with zero calls, when required secrets are missing, and logs only their names', async () => {
    const secrets = { ...SECRETS['prompt-account-linking'], MGMT_CLIENT_SECRET: '', LINKING_URL: 'ftp://x' };
    const { mgmt, login } = setup({ secrets });
    const result = await login();
    expect(result).toMatchObject({ outcome: 'allowed', appMetadataWrites: {} });
    expect(mgmt.count()).toBe(0);
    expect(messages(result)).toEqual([
      'prompt-account-linking: skipped, missing or invalid secrets: LINKING_URL,MGMT_CLIENT_SECRET',
    ]);
  });

  it('honours LINKING_COOLDOWN_DAYS', async () => {
    const secrets = { ...SECRETS['prompt-account-linking'], LINKING_COOLDOWN_DAYS: '3' };
    const { mgmt, login, ev } = setup({
      secrets,
      appMetadata: { account_linking: { status: 'declined', checked_at: isoAgo(4) } },
    });
    expect((await login()).outcome).toBe('redirect');
    mgmt.reset();
    const recent = await login({
      ...ev,
      user: { ...ev.user, app_metadata: { account_linking: { status: 'declined', checked_at: isoAgo(2) } } },
    });
    expect(recent.outcome).toBe('allowed');
    expect(mgmt.count()).toBe(0);
  });
});

describe('prompt-account-linking: the answer', () => {
  it('links the current identity under the chosen account and makes it the primary user', async () => {
    const { ev, mgmt, login } = setup();
    const offer = await login();
    mgmt.calls.length = 0;
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBe('auth0|db1');
    // The cache may not survive the redirect: a new token, then re-read both accounts, merge, link.
    expect(routes(mgmt)).toEqual(['token:200', 'get-user:200', 'get-user:200', 'update-user:200', 'link:201']);
    expect(mgmt.calls.slice(1, 3).map((c) => c.path)).toEqual([
      '/api/v2/users/auth0%7Cdb1',
      `/api/v2/users/${encodeURIComponent(ev.user.user_id)}`,
    ]);
    const [provider, id] = [
      ev.user.user_id.slice(0, ev.user.user_id.indexOf('|')),
      ev.user.user_id.slice(ev.user.user_id.indexOf('|') + 1),
    ];
    expect(mgmt.calls[4]).toMatchObject({
      method: 'POST',
      path: '/api/v2/users/auth0%7Cdb1/identities',
      body: { provider, user_id: id },
    });
    expect(mgmt.users.has(ev.user.user_id)).toBe(false);
    expect(mgmt.users.get('auth0|db1')?.identities.map((i) => i.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(unexpectedErrors(done)).toEqual([]);
  });

  it('applies the metadata policy to the primary', async () => {
    const { mgmt, login } = setup({
      userMetadata: { theme: 'dark', preferred_language: 'fr' },
      appMetadata: {
        blocked_apps: ['app-b'],
        entitlements: ['premium'],
        terms: { version: 'v1', accepted_at: '2026-01-01T00:00:00.000Z' },
      },
      others: (email) => [
        databaseUser('db1', email, {
          user_metadata: { preferred_language: 'en' },
          app_metadata: { blocked_apps: ['app-a', 'app-b'], entitlements: ['basic'] },
        }),
      ],
    });
    const done = await answer(await login(), { link_to: 'auth0|db1' });
    expect(done.primaryUserId).toBe('auth0|db1');
    const primary = mgmt.users.get('auth0|db1');
    expect(primary?.user_metadata).toEqual({ preferred_language: 'en', theme: 'dark' });
    expect(primary?.app_metadata).toEqual({
      blocked_apps: ['app-a', 'app-b'],
      entitlements: ['basic'],
      account_linking: { status: 'linked', checked_at: expect.any(String) },
    });
  });

  it("never undoes a block an administrator adds to the primary between the Action's read and its write", async () => {
    const { mgmt, login } = setup({
      appMetadata: { blocked_apps: ['app-b'] },
      others: (email) => [databaseUser('db1', email, { app_metadata: { blocked_apps: ['app-a', 'app-b'] } })],
    });
    const offer = await login();
    // During the round trip an administrator lifts app-b from the candidate, then blocks app-c
    // just after the Action has read it: a PATCH computed from that read would drop app-c.
    (mgmt.users.get('auth0|db1') as FakeUser).app_metadata.blocked_apps = ['app-a'];
    mgmt.inject({
      route: 'get-user',
      kind: 'concurrent-write',
      write: (users) => {
        (users.get('auth0|db1') as FakeUser).app_metadata.blocked_apps = ['app-a', 'app-c'];
      },
    });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(mgmt.users.get('auth0|db1')?.app_metadata.blocked_apps).toEqual(expect.arrayContaining(['app-a', 'app-c']));
    // Linking would lift app-b from the identity that logged in: not without the primary carrying it.
    expect(done.primaryUserId).toBeUndefined();
    expect(messages(done)).toEqual(['prompt-account-linking: link skipped: would_lift_block']);
  });

  it("writes only the keys it adds, so an administrator's concurrent write to blocked_apps stands", async () => {
    const { mgmt, login } = setup({
      userMetadata: { theme: 'dark' },
      appMetadata: { blocked_apps: ['app-b'] },
      others: (email) => [databaseUser('db1', email, { app_metadata: { blocked_apps: ['app-a', 'app-b'] } })],
    });
    const offer = await login();
    mgmt.inject({
      route: 'get-user',
      kind: 'concurrent-write',
      write: (users) => {
        (users.get('auth0|db1') as FakeUser).app_metadata.blocked_apps = ['app-a', 'app-b', 'app-c'];
      },
    });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.primaryUserId).toBe('auth0|db1');
    expect(mgmt.users.get('auth0|db1')?.app_metadata.blocked_apps).toEqual(['app-a', 'app-b', 'app-c']);
    expect(mgmt.calls.find((c) => c.route === 'update-user')?.body).toEqual({
      app_metadata: { account_linking: { status: 'linked', checked_at: expect.any(String) } },
      user_metadata: { theme: 'dark' },
    });
  });

  it('does not link when the candidate lacks a block of the identity that logged in (a link never writes blocked_apps)', async () => {
    const { mgmt, login } = setup({
      appMetadata: { blocked_apps: ['app-b'] },
      others: (email) => [databaseUser('db1', email, { app_metadata: { blocked_apps: ['app-a'] } })],
    });
    // Not offered: the link would have to carry app-b over, a read-modify-write of an administrator's list.
    expect((await login()).appMetadataWrites.account_linking).toMatchObject({ status: 'no_candidates' });
    expect(mgmt.count('update-user') + mgmt.count('link')).toBe(0);
  });

  it('does not link when an administrator blocked the logged-in identity from an app during the round trip', async () => {
    const { ev, mgmt, login } = setup({
      others: (email) => [databaseUser('db1', email, { app_metadata: { blocked_apps: ['app-a'] } })],
    });
    const offer = await login();
    (mgmt.users.get(ev.user.user_id) as FakeUser).app_metadata.blocked_apps = ['app-c'];
    (mgmt.users.get('auth0|db1') as FakeUser).app_metadata.blocked_apps = ['app-a', 'app-d'];
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count('update-user') + mgmt.count('link')).toBe(0);
    expect(mgmt.users.get('auth0|db1')?.app_metadata.blocked_apps).toEqual(['app-a', 'app-d']);
    expect(messages(done)).toEqual(['prompt-account-linking: link skipped: would_lift_block']);
  });

  it('remembers a decline and asks again only after the cooldown, with zero calls meanwhile', async () => {
    const { ev, mgmt, login } = setup();
    const offer = await login();
    mgmt.calls.length = 0;
    const done = await answer(offer, { declined: true });
    expect(done).toMatchObject({ outcome: 'allowed', appMetadataWrites: { account_linking: { status: 'declined' } } });
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count()).toBe(0);
    const next = await login({ ...ev, user: done.user });
    expect(next.outcome).toBe('allowed');
    expect(mgmt.count()).toBe(0);
  });

  it('denies linking_invalid_session for a candidate that was not offered, without linking', async () => {
    const { mgmt, login, ev } = setup();
    const offer = await login();
    // Created after the offer, same verified email: still not what the user was shown.
    mgmt.addUser(databaseUser('db2', ev.user.email as string));
    mgmt.calls.length = 0;
    const done = await answer(offer, { link_to: 'auth0|db2' });
    expect(done).toMatchObject({ outcome: 'denied', reason: 'linking_invalid_session' });
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count()).toBe(0);
    expect(messages(done)).toEqual(['prompt-account-linking: invalid answer: not_offered']);
  });

  it("does not link when the candidate's email is no longer verified at continue", async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    (mgmt.users.get('auth0|db1') as FakeUser).email_verified = false;
    mgmt.calls.length = 0;
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(routes(mgmt)).toEqual(['token:200', 'get-user:200', 'get-user:200']);
    expect(messages(done)).toEqual(['prompt-account-linking: link skipped: candidate_ineligible']);
  });

  it.each([
    ['the candidate', 'auth0|db1', 'candidate_blocked'],
    ['the identity that logged in', 'self', 'user_blocked'],
  ])('does not link when an administrator blocked %s during the round trip', async (_, who, why) => {
    const { ev, mgmt, login } = setup();
    const offer = await login();
    (mgmt.users.get(who === 'self' ? ev.user.user_id : who) as FakeUser).blocked = true;
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count('update-user') + mgmt.count('link')).toBe(0);
    expect(messages(done)).toEqual([`prompt-account-linking: link skipped: ${why}`]);
  });

  it('does not link when the candidate was deleted meanwhile', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.users.delete('auth0|db1');
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count('link')).toBe(0);
  });

  it.each([
    ['blocked from this application', { blocked_apps: ['this-client'] }, {}],
    ['not entitled to this application', { entitlements: ['basic'] }, { required_entitlement: 'premium' }],
  ])(
    'does not hand over a primary that is %s (gate-apps never checked it): not offered, nor linked if it became so meanwhile',
    async (_, primaryApp, clientMetadata) => {
      const { ev, mgmt, action } = setup({
        others: (email) => [databaseUser('db1', email, { app_metadata: primaryApp })],
      });
      const gated: Event = { ...ev, client: { ...ev.client, client_id: 'this-client', metadata: clientMetadata } };
      expect((await runLogin({ actions: [action], event: gated })).appMetadataWrites.account_linking).toMatchObject({
        status: 'no_candidates',
      });
      (mgmt.users.get('auth0|db1') as FakeUser).app_metadata = { entitlements: ['premium'] };
      const offer = await runLogin({ actions: [action], event: gated });
      (mgmt.users.get('auth0|db1') as FakeUser).app_metadata = primaryApp;
      const done = await answer(offer, { link_to: 'auth0|db1' });
      expect(done.outcome).toBe('allowed');
      expect(done.primaryUserId).toBeUndefined();
      expect(mgmt.count('link')).toBe(0);
      expect(mgmt.count('update-user')).toBe(0);
      expect(messages(done)).toEqual(['prompt-account-linking: link skipped: primary_gated']);
    },
  );

  it('still switches to the primary when the link happened but its answer was lost', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'link', kind: 'lost-answer' });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBe('auth0|db1');
    expect(mgmt.users.get('auth0|db1')?.identities.map((i) => i.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(messages(done)).toEqual(['prompt-account-linking: link answer lost (timeout), checking']);
    expect(routes(mgmt).slice(-2)).toEqual(['link:aborted', 'get-user:200']);
  });

  it('stays the current user when a lost link answer hid a link that did not happen', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'link', kind: 'hang' });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.users.get('auth0|db1')?.identities.map((i) => i.provider)).toEqual(['auth0']);
  });

  it('links an identity whose id contains | at the first | only', async () => {
    const ev = event(
      { user: 'google', returning: false, seed: 7 },
      {
        user: {
          user_id: 'oidc|acme|user|42',
          identities: [{ provider: 'oidc', user_id: 'acme|user|42', connection: 'acme' }],
        },
      },
    );
    const mgmt = createFakeManagementApi({
      users: [fakeUserFrom(ev.user), databaseUser('db1', ev.user.email as string)],
    });
    const action = loadBundle('prompt-account-linking', { fetch: mgmt.fetch });
    const done = await answer(await runLogin({ actions: [action], event: ev }), { link_to: 'auth0|db1' });
    expect(done.primaryUserId).toBe('auth0|db1');
    expect(mgmt.calls.find((c) => c.route === 'link')?.body).toEqual({ provider: 'oidc', user_id: 'acme|user|42' });
  });

  describe('denies linking_invalid_session for a bad token, with no Management API call', () => {
    const cases: [string, (offer: LoginResult) => Promise<LoginResult>][] = [
      ['signed with another secret', (offer) => answer(offer, { link_to: 'auth0|db1' }, { secret: 'not-the-secret' })],
      [
        'expired',
        (offer) => answer(offer, { link_to: 'auth0|db1' }, { nowMs: Date.now() - 30 * 60_000, expiresInSeconds: 600 }),
      ],
      [
        'for another transaction (foreign state)',
        (offer) => answer(offer, { link_to: 'auth0|db1' }, { state: 'someone-elses-state' }),
      ],
      ['for another user', (offer) => answer(offer, { link_to: 'auth0|db1' }, { subject: 'google-oauth2|attacker' })],
      [
        'tampered',
        (offer) => {
          const redirect = asRedirect(offer);
          const token = signSessionToken({
            secret: SESSION_SECRET,
            subject: redirect.user.user_id,
            state: redirect.state,
            payload: { declined: true },
          });
          const [header, body, signature] = token.split('.') as [string, string, string];
          const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
          const forged = Buffer.from(JSON.stringify({ ...claims, declined: undefined, link_to: 'auth0|db1' })).toString(
            'base64url',
          );
          return redirect.continue({
            method: 'POST',
            body: { session_token: `${header}.${forged}.${signature}`, state: redirect.state },
          });
        },
      ],
      [
        'our own outgoing token sent back',
        (offer) => {
          const redirect = asRedirect(offer);
          return redirect.continue({
            method: 'GET',
            query: {
              state: redirect.state,
              session_token: new URL(redirect.url).searchParams.get('session_token') as string,
            },
          });
        },
      ],
      [
        'missing',
        (offer) => {
          const r = asRedirect(offer);
          return r.continue({ method: 'POST', body: { state: r.state } });
        },
      ],
      ['with no answer in it', (offer) => answer(offer, { link: 'auth0|db1' })],
    ];
    it.each(cases)('%s', async (_name, respond) => {
      const { mgmt, login } = setup();
      const offer = await login();
      mgmt.calls.length = 0;
      const done = await respond(offer);
      expect(done).toMatchObject({ outcome: 'denied', error: 'access_denied', reason: 'linking_invalid_session' });
      expect(done.primaryUserId).toBeUndefined();
      expect(mgmt.count()).toBe(0);
      expect(mgmt.users.has('auth0|db1') && mgmt.users.get('auth0|db1')?.identities.length).toBe(1);
    });
  });
});

describe('prompt-account-linking: the Management API token', () => {
  it('is cached in api.cache in milliseconds, a margin below expires_in, under a short key', async () => {
    const { mgmt, login, ev } = setup({ others: () => [] });
    const cache = createCacheStore();
    const before = Date.now();
    await login(ev, cache);
    const record = cache.get(`mgmt:${FAKE_CLIENT_ID}`);
    expect(record?.value).toBe('mgmt-token-1');
    // 86 400 s token: cached ~23h59m, not 86 400 ms (the seconds/milliseconds mistake).
    expect(record!.expires_at - before).toBeGreaterThan(86_340_000 - 5_000);
    expect(record!.expires_at - before).toBeLessThanOrEqual(86_340_000 + 5_000);
    mgmt.reset([fakeUserFrom(ev.user)]);
    await login(ev, cache);
    expect(routes(mgmt)).toEqual(['users-by-email:200']);
  });

  it('is dropped from api.cache and fetched once more when the API refuses it (revoked or rotated)', async () => {
    const { mgmt, login, ev } = setup({ others: () => [] });
    const cache = createCacheStore();
    cache.set(`mgmt:${FAKE_CLIENT_ID}`, 'revoked-token', { ttl: 3_600_000 });
    const result = await login(ev, cache);
    expect(result.appMetadataWrites.account_linking).toMatchObject({ status: 'no_candidates' });
    expect(routes(mgmt)).toEqual(['users-by-email:401', 'token:200', 'users-by-email:200']);
    expect(cache.get(`mgmt:${FAKE_CLIENT_ID}`)?.value).toBe('mgmt-token-1');
  });

  it('is not cached when it lives too briefly to keep a margin', async () => {
    const { mgmt, login, ev } = setup({ others: () => [], tokenExpiresIn: 30 });
    const cache = createCacheStore();
    await login(ev, cache);
    await login(ev, cache);
    expect(mgmt.count('token')).toBe(2);
  });
});
