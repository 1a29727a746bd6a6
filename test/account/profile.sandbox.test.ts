import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';
import { Browser } from '../sandbox/oidc-fixtures';

// The profile page against the sandbox: an OIDC login with the account service's client (no
// prompt from the Actions), the profile read and user_metadata written through the auth0 SDK with
// the least-privilege M2M client; bad input stores nothing.

let setup: LinkingSetup;

beforeAll(async () => {
  setup = await startLinkingSetup();
});

afterAll(async () => {
  await setup?.close();
});

async function signedIn(email: string) {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
  const login = await b.visit(`${setup.accountUrl}/profile`);
  expect(login.url).toContain('/u/login');
  const signedInPage = await b.submit(login, '/u/login', { email, password: PASSWORD });
  // The callback's page moves on to /profile itself (a same-site navigation), as a browser does.
  expect(signedInPage.url.startsWith(`${setup.accountUrl}/profile/callback?`)).toBe(true);
  expect(signedInPage.html).toContain('href="/profile"');
  const profile = await b.visit(`${setup.accountUrl}/profile`);
  return { b, profile };
}

describe('the profile page', () => {
  test('sign in, see the profile, edit the allow-listed metadata: stored, app_metadata untouched', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'profile@example.com', {
      app_metadata: { ...returningMetadata(), entitlements: ['shop'] },
      user_metadata: { given_name: 'Ada', theme: 'dark' },
    });
    const { b, profile } = await signedIn('profile@example.com');
    expect(profile.url).toBe(`${setup.accountUrl}/profile`);
    expect(profile.status).toBe(200);
    expect(profile.html).toContain('profile@example.com');
    expect(profile.html).toContain('value="Ada"');
    const saved = await b.submit(profile, '/profile', {
      given_name: 'Ada',
      family_name: 'Lovelace',
      nickname: 'countess',
      picture: 'https://cdn.example.com/ada.png',
      preferred_language: 'fr',
    });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain('id="saved"');
    const stored = setup.ctx.sandbox.store.users.require(user.user_id);
    expect(stored.user_metadata).toEqual({
      given_name: 'Ada',
      family_name: 'Lovelace',
      nickname: 'countess',
      picture: 'https://cdn.example.com/ada.png',
      preferred_language: 'fr',
      theme: 'dark',
    });
    expect(stored.app_metadata).toMatchObject({ entitlements: ['shop'] });
  });

  test('metadata outside the allow-list, over the caps, or a post without CSRF: refused, nothing stored', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'profile-bad@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { given_name: 'Grace' },
    });
    const { b, profile } = await signedIn('profile-bad@example.com');
    const badInputs: Record<string, string>[] = [
      { blocked_apps: 'none' },
      { given_name: 'g'.repeat(151) },
      { picture: 'http://cdn.example.com/x.png' },
      { preferred_language: 'de' },
    ];
    for (const fields of badInputs) {
      const refused = await b.submit(profile, '/profile', { given_name: 'Changed', ...fields });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('id="error"');
    }
    const forged = await b.visit(`${setup.accountUrl}/profile`, { given_name: 'Forged' });
    expect(forged.status).toBe(403);
    expect(setup.ctx.sandbox.store.users.require(user.user_id).user_metadata).toEqual({ given_name: 'Grace' });
  });

  test('without a sign-in the page starts one; the callback without a login in progress refuses', async () => {
    const response = await fetch(`${setup.accountUrl}/profile`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/\/authorize\?/);
    const callback = await fetch(`${setup.accountUrl}/profile/callback?code=x&state=y`, { redirect: 'manual' });
    expect(callback.status).toBe(400);
  });

  test('the Management API: its token kept between requests, a 429 waited out as Retry-After says', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'profile-429@example.com', { app_metadata: returningMetadata() });
    const { b, profile } = await signedIn('profile-429@example.com');
    const { faults } = setup.ctx.sandbox;
    faults.set([
      // Matches every token request without changing it: counts them.
      { method: 'POST', path: '/oauth/token', times: 'always', latencyMs: 0 },
      { method: 'PATCH', path: '/api/v2/users/*', status: 429, retryAfter: 1 },
    ]);
    try {
      const started = Date.now();
      const saved = await b.submit(profile, '/profile', { nickname: 'patient' });
      const waited = Date.now() - started;
      expect(saved.html).toContain('id="saved"');
      expect(waited).toBeGreaterThanOrEqual(1000);
      const again = await b.submit(saved, '/profile', { nickname: 'still patient' });
      expect(again.html).toContain('id="saved"');
      const hits = faults.hits();
      expect(hits.filter((hit) => hit.path === '/oauth/token')).toEqual([]);
      expect(hits.filter((hit) => hit.status === 429)).toHaveLength(1);
      expect(setup.ctx.sandbox.store.users.require(user.user_id).user_metadata).toEqual({ nickname: 'still patient' });
    } finally {
      faults.set([]);
    }
  });

  test('linked identities: listed; a secondary one unlinked; the primary or an unknown one refused, nothing changed', async () => {
    const { store } = setup.ctx.sandbox;
    const user = databaseUser(setup.ctx.sandbox, 'profile-linked@example.com', { app_metadata: returningMetadata() });
    const google = store.users.findOrCreateFromIdentity({
      connection: 'google-oauth2',
      identityId: '10769150350006150715113082367',
      email: 'profile-linked@example.com',
      email_verified: true,
    });
    store.users.link(user.user_id, { provider: 'google-oauth2', identityId: '10769150350006150715113082367' });
    const { b, profile } = await signedIn('profile-linked@example.com');
    expect(profile.html).toContain('google-oauth2');
    const primaryKey = user.user_id;

    for (const identity of [primaryKey, 'google-oauth2|someone-else', '']) {
      const refused = await b.submit(profile, '/profile/unlink', { identity });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('id="unlink-refused"');
    }
    expect(store.users.require(user.user_id).identities).toHaveLength(2);
    const forged = await b.visit(`${setup.accountUrl}/profile/unlink`, { identity: google.user_id });
    expect(forged.status).toBe(403);
    expect(store.users.require(user.user_id).identities).toHaveLength(2);

    const unlinked = await b.submit(profile, '/profile/unlink', { identity: google.user_id });
    expect(unlinked.status).toBe(200);
    expect(unlinked.html).toContain('id="unlinked"');
    expect(store.users.require(user.user_id).identities.map((i) => i.provider)).toEqual(['auth0']);
    // The last identity: no unlink form, and a post for it is refused.
    expect(unlinked.html).not.toContain('action="/profile/unlink"');
    const last = await b.submit(profile, '/profile/unlink', { identity: primaryKey });
    expect(last.status).toBe(400);
    expect(store.users.require(user.user_id).identities).toHaveLength(1);
  });

  test('download my data: one JSON file with the profile, metadata, terms history and identities', async () => {
    const { store } = setup.ctx.sandbox;
    const user = databaseUser(setup.ctx.sandbox, 'profile-export@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { nickname: 'exporter' },
    });
    const { b } = await signedIn('profile-export@example.com');
    const file = await b.visit(`${setup.accountUrl}/profile/export`);
    expect(file.status).toBe(200);
    const data = JSON.parse(file.html) as { user: Record<string, unknown> };
    expect(data.user).toMatchObject({
      user_id: user.user_id,
      email: 'profile-export@example.com',
      user_metadata: { nickname: 'exporter' },
      app_metadata: { terms: { version: '2026-01' } },
    });
    expect((data.user['identities'] as unknown[]).length).toBe(store.users.require(user.user_id).identities.length);
    // Without a profile session: a sign-in, not the data.
    const anonymous = await fetch(`${setup.accountUrl}/profile/export`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
  });

  test('password change: against the connection policy, only after a recent sign-in', async () => {
    const { store } = setup.ctx.sandbox;
    const user = databaseUser(setup.ctx.sandbox, 'profile-password@example.com', { app_metadata: returningMetadata() });
    const { b, profile } = await signedIn('profile-password@example.com');
    const changePassword = (page: typeof profile, password: string, confirm = password) =>
      b.submit(page, '/profile/password', { password, confirm });

    const weak = await changePassword(profile, 'short');
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('data-problem="weak"');
    const mismatch = await changePassword(profile, 'Another-Horse-12', 'Another-Horse-13');
    expect(mismatch.html).toContain('data-problem="mismatch"');
    expect(store.users.verifyDatabasePassword('customers', 'profile-password@example.com', PASSWORD)).toBeDefined();

    const changed = await changePassword(profile, 'Another-Horse-12');
    expect(changed.status).toBe(200);
    expect(changed.html).toContain('id="password-changed"');
    expect(
      store.users.verifyDatabasePassword('customers', 'profile-password@example.com', 'Another-Horse-12')?.user_id,
    ).toBe(user.user_id);

    // Six minutes later the sign-in is no longer recent: refused, and a fresh sign-in is offered.
    setup.clock.offsetMs = 6 * 60_000;
    try {
      const stale = await changePassword(profile, 'Third-Horse-123');
      expect(stale.status).toBe(401);
      expect(stale.html).toContain('data-problem="stale"');
      expect(
        store.users.verifyDatabasePassword('customers', 'profile-password@example.com', 'Another-Horse-12'),
      ).toBeDefined();
      const reauth = await b.visit(`${setup.accountUrl}/profile/reauth`);
      expect(reauth.url).toContain('/u/login');
      expect(new URL(reauth.url).searchParams.get('state')).toBeTruthy();
    } finally {
      setup.clock.offsetMs = 0;
    }
  });

  test('a user without a database identity is told why there is no password, and a post is refused', async () => {
    const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
    const login = await b.visit(`${setup.accountUrl}/profile`);
    const socialLink = /href="([^"]*\/u\/social\/google-oauth2[^"]*)"/.exec(login.html)?.[1]?.replace(/&amp;/g, '&');
    expect(socialLink).toBeDefined();
    const google = await b.visit(new URL(socialLink ?? '', login.url).toString());
    await b.submit(google, '/u/social/google-oauth2', {
      email: 'profile-social@example.com',
      name: 'Social Only',
      email_verified: 'true',
    });
    const profile = await b.visit(`${setup.accountUrl}/profile`);
    expect(profile.url).toBe(`${setup.accountUrl}/profile`);
    expect(profile.html).toContain('id="password-none"');
    expect(profile.html).not.toContain('action="/profile/password"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(profile.html)?.[1] ?? '';
    const refused = await b.visit(`${setup.accountUrl}/profile/password`, {
      _csrf: csrf,
      password: 'Another-Horse-12',
      confirm: 'Another-Horse-12',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('id="password-none"');
  });
});

describe('the profile page rate limit', () => {
  // Last in this file: it uses up this address's GET /profile budget for the minute.
  test('GET /profile: 30 a minute per address, then 429 without a Management API read', async () => {
    databaseUser(setup.ctx.sandbox, 'profile-limited@example.com', { app_metadata: returningMetadata() });
    const { b } = await signedIn('profile-limited@example.com');
    const { faults } = setup.ctx.sandbox;
    // Matches every user read without changing it: counts them.
    faults.set([{ method: 'GET', path: '/api/v2/users/*', times: 'always', latencyMs: 0 }]);
    try {
      const statuses: number[] = [];
      for (let visit = 0; visit < 31 && !statuses.includes(429); visit += 1) {
        statuses.push((await b.visit(`${setup.accountUrl}/profile`)).status);
      }
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
      expect(faults.hits()).toHaveLength(statuses.length - 1);
    } finally {
      faults.set([]);
    }
  });
});
