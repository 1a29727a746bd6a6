import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OidcStore } from '../../local/sandbox/oidc';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { passwordLogin, discoverClient, Browser, API, type Visit } from '../sandbox/oidc-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// "Delete my account" against the sandbox: the user and every linked identity deleted through the
// auth0 SDK with tenant.yaml's grant of the Account Service M2M client, sessions and refresh
// tokens revoked first; bad input, a stale sign-in, a CSRF-less post or a failed revocation
// deletes nothing, and a deletion interrupted midway is finished by trying again.

let setup: LinkingSetup;
let oidc: OidcStore;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup({ captureLogs: true });
  oidc = new OidcStore(setup.ctx.sandbox.store.db);
  const { ctx } = setup;
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
});

afterAll(async () => {
  await setup?.close();
});

const GOOGLE_ID = '20769150350006150715113082367';

/** A database user with a Google identity linked to it (as prompt-account-linking leaves them). */
function linkedUser(email: string, googleId: string) {
  const { store } = setup.ctx.sandbox;
  const user = databaseUser(setup.ctx.sandbox, email, { app_metadata: returningMetadata() });
  store.users.findOrCreateFromIdentity({
    connection: 'google-oauth2',
    identityId: googleId,
    email,
    email_verified: true,
  });
  store.users.link(user.user_id, { provider: 'google-oauth2', identityId: googleId });
  return { user, googleUserId: `google-oauth2|${googleId}` };
}

/** A login of the application with a refresh token (and an SSO session in `b`), as the user's other devices hold. */
async function applicationLogin(b: Browser, email: string): Promise<string> {
  const tokens = await passwordLogin(rp, b, email, { scope: 'openid email offline_access read:orders', audience: API });
  if (!tokens.refresh_token) throw new Error('no refresh token');
  return tokens.refresh_token;
}

/** Confirms the deletion while the tenant refuses every DELETE on `path` (403), then lifts the fault. */
async function deleteFailing(b: Browser, page: Visit, path: string): Promise<Visit> {
  const { faults } = setup.ctx.sandbox;
  faults.set([{ method: 'DELETE', path, status: 403, times: 'always' }]);
  try {
    return await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
  } finally {
    faults.set([]);
  }
}

async function signedIn(email: string): Promise<{ b: Browser; refreshToken: string; page: Visit }> {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
  const refreshToken = await applicationLogin(b, email);
  // The profile's sign-in reuses the SSO session: its auth_time is the login's, just now.
  const signedInPage = await b.visit(`${setup.accountUrl}/profile`);
  expect(signedInPage.url.startsWith(`${setup.accountUrl}/profile/callback?`)).toBe(true);
  const page = await b.visit(`${setup.accountUrl}/profile/delete`);
  expect(page.status).toBe(200);
  return { b, refreshToken, page };
}

const auditLines = () =>
  setup.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['audit'] === 'account_deletion');

const digest = (userId: string) => createHash('sha256').update(userId).digest('hex');

async function refreshWorks(refreshToken: string): Promise<boolean> {
  try {
    await client.refreshTokenGrant(rp, refreshToken);
    return true;
  } catch {
    return false;
  }
}

describe('delete my account', () => {
  test('confirmed after a recent sign-in: the user, the linked identity, sessions and refresh tokens all gone', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-me@example.com';
    const { user, googleUserId } = linkedUser(email, GOOGLE_ID);
    const { b, refreshToken, page } = await signedIn(email);
    expect(page.html).toContain(email);
    expect(page.html).toContain('google-oauth2');
    expect(oidc.sessionsOf(user.user_id).length).toBeGreaterThan(0);
    expect(oidc.refreshTokensOf(user.user_id).length).toBeGreaterThan(0);
    expect(oidc.grants().filter((grant) => grant.user_id === user.user_id).length).toBeGreaterThan(0);

    const deleted = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.html).toContain('id="deleted"');

    expect(store.users.get(user.user_id)).toBeUndefined();
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(store.users.findByEmail(email)).toEqual([]);
    // The Google identity was unlinked and deleted as a user of its own, the primary user last (the
    // tenant's "User deleted" log events).
    const deletedUsers = store.logs
      .search({ filters: { type: 'sdu' }, ascending: true, offset: 0, limit: 1000 })
      .logs.map((event) => event.user_id)
      .filter((id) => id === user.user_id || id === googleUserId);
    expect(deletedUsers).toEqual([googleUserId, user.user_id]);
    expect(store.users.identityOwner('google-oauth2', GOOGLE_ID)).toBeUndefined();
    expect(oidc.sessionsOf(user.user_id)).toEqual([]);
    expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);
    expect(oidc.grants().filter((grant) => [user.user_id, googleUserId].includes(grant.user_id))).toEqual([]);
    expect(await refreshWorks(refreshToken)).toBe(false);
    expect(store.users.verifyDatabasePassword('customers', email, PASSWORD)).toBeUndefined();

    // The profile session ended with it.
    const after = await b.visit(`${setup.accountUrl}/profile/delete`);
    expect(after.url).toContain('/u/login');

    // One audit line: the user id's digest, two identities, no personal data.
    const lines = auditLines().filter((line) => line['user'] === digest(user.user_id));
    expect(lines).toEqual([
      expect.objectContaining({ outcome: 'deleted', identities_removed: 2, msg: 'account deletion' }),
    ]);
    const log = setup.logs.join('\n');
    expect(log).not.toContain(email);
    expect(log).not.toContain(user.user_id.split('|')[1]);
    expect(log).not.toContain(GOOGLE_ID);
  });

  test('no or a wrong confirmation: 400; a post without CSRF: 403; nothing deleted', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-unconfirmed@example.com';
    const { user, googleUserId } = linkedUser(email, '30769150350006150715113082367');
    const { b, refreshToken, page } = await signedIn(email);
    expect(page.html).toContain('id="confirm-word"');

    for (const confirm of [undefined, '', 'delete', 'yes', email]) {
      const refused = await b.submit(page, '/profile/delete', confirm === undefined ? {} : { confirm });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('data-problem="unconfirmed"');
    }
    const forged = await b.visit(`${setup.accountUrl}/profile/delete`, { confirm: 'DELETE' });
    expect(forged.status).toBe(403);
    const otherBrowser = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const withoutSession = await otherBrowser.visit(`${setup.accountUrl}/profile/delete`, {
      _csrf: csrf,
      confirm: 'DELETE',
    });
    expect(withoutSession.status).toBe(403);

    expect(store.users.require(user.user_id).identities).toHaveLength(2);
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(await refreshWorks(refreshToken)).toBe(true);
    expect(auditLines().filter((line) => line['user'] === digest(user.user_id))).toEqual([]);
  });

  test('over the per-user limit (10 posts a minute): 429, nothing deleted', async () => {
    const email = 'delete-limited@example.com';
    const user = databaseUser(setup.ctx.sandbox, email, { app_metadata: returningMetadata() });
    const { b, page } = await signedIn(email);
    for (let attempt = 0; attempt < 10; attempt++) {
      const refused = await b.submit(page, '/profile/delete', { confirm: 'no' });
      expect(refused.status).toBe(400);
    }
    const limited = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
    expect(limited.status).toBe(429);
    expect(setup.ctx.sandbox.store.users.get(user.user_id)).toBeDefined();
  });

  test('no recent sign-in: 401 with a fresh sign-in that returns to the page, nothing deleted', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-stale@example.com';
    const user = databaseUser(setup.ctx.sandbox, email, { app_metadata: returningMetadata() });
    const { b, page } = await signedIn(email);
    setup.clock.offsetMs = 6 * 60_000;
    try {
      const stale = await b.submit(page, '/profile/delete', { confirm: 'DELETE' });
      expect(stale.status).toBe(401);
      expect(stale.html).toContain('data-problem="stale"');
      expect(stale.html).not.toContain('action="/profile/delete"');
      expect(store.users.get(user.user_id)).toBeDefined();
      const shown = await b.visit(`${setup.accountUrl}/profile/delete`);
      expect(shown.status).toBe(401);
      expect(shown.html).toContain('href="/profile/reauth?return_to=%2Fprofile%2Fdelete"');

      // The fresh sign-in asks for the password again and comes back to this page.
      const reauth = await b.visit(`${setup.accountUrl}/profile/reauth?return_to=%2Fprofile%2Fdelete`);
      expect(reauth.url).toContain('/u/login');
      const back = await b.submit(reauth, '/u/login', { email, password: PASSWORD });
      expect(back.url.startsWith(`${setup.accountUrl}/profile/callback?`)).toBe(true);
      expect(back.html).toContain('href="/profile/delete"');
    } finally {
      setup.clock.offsetMs = 0;
    }
    const fresh = await b.visit(`${setup.accountUrl}/profile/delete`);
    expect(fresh.status).toBe(200);
    expect(fresh.html).toContain('action="/profile/delete"');
    expect(store.users.get(user.user_id)).toBeDefined();
    // Another page to return to is not honoured: no open redirect.
    const elsewhere = await b.visit(`${setup.accountUrl}/profile/reauth?return_to=https%3A%2F%2Fevil.example%2F`);
    const signedInAgain = await b.submit(elsewhere, '/u/login', { email, password: PASSWORD });
    expect(signedInAgain.html).toContain('href="/profile"');
    expect(signedInAgain.html).not.toContain('evil.example');
  });

  test('a revocation that fails: nothing deleted, the sessions kept; trying again deletes everything', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-revoke-fails@example.com';
    const { user, googleUserId } = linkedUser(email, '40769150350006150715113082367');
    const { b, refreshToken, page } = await signedIn(email);
    const failed = await deleteFailing(b, page, '/api/v2/users/*/sessions');
    expect(failed.status).toBe(503);
    expect(failed.html).toContain('data-problem="failed"');
    expect(store.users.require(user.user_id).identities).toHaveLength(2);
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(oidc.sessionsOf(user.user_id).length).toBeGreaterThan(0);
    expect(await refreshWorks(refreshToken)).toBe(true);

    const retried = await b.submit(failed, '/profile/delete', { confirm: 'DELETE' });
    expect(retried.html).toContain('id="deleted"');
    expect(store.users.get(user.user_id)).toBeUndefined();
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(auditLines().filter((line) => line['user'] === digest(user.user_id))).toEqual([
      expect.objectContaining({ outcome: 'failed', failed_step: 'revoke', identities_removed: 0 }),
      expect.objectContaining({ outcome: 'deleted', identities_removed: 2 }),
    ]);
  });

  test('interrupted after the unlink: the retry finds the user the identity became and deletes it too', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-midway@example.com';
    const { user, googleUserId } = linkedUser(email, '50769150350006150715113082367');
    const { b, page } = await signedIn(email);
    // Deleting the user the Google identity became fails once it is unlinked.
    const failed = await deleteFailing(b, page, '/api/v2/users/google-oauth2*');
    expect(failed.status).toBe(503);
    // Half done: unlinked (the primary no longer lists it), a user of its own, the primary kept.
    expect(store.users.require(user.user_id).identities.map((i) => i.provider)).toEqual(['auth0']);
    expect(store.users.get(googleUserId)).toBeDefined();

    const retried = await b.submit(failed, '/profile/delete', { confirm: 'DELETE' });
    expect(retried.html).toContain('id="deleted"');
    expect(store.users.get(user.user_id)).toBeUndefined();
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(store.users.findByEmail(email)).toEqual([]);
    expect(auditLines().filter((line) => line['user'] === digest(user.user_id))).toEqual([
      expect.objectContaining({ outcome: 'failed', failed_step: 'delete', identities_removed: 0 }),
      expect.objectContaining({ outcome: 'deleted', identities_removed: 2 }),
    ]);
  });
  test('interrupted at the primary: the failed page lists what is left, and its form finishes the deletion', async () => {
    const { store } = setup.ctx.sandbox;
    const email = 'delete-primary-fails@example.com';
    const { user, googleUserId } = linkedUser(email, '90769150350006150715113082367');
    const { b, page } = await signedIn(email);
    const failed = await deleteFailing(b, page, '/api/v2/users/auth0*');
    expect(failed.status).toBe(503);
    expect(store.users.get(googleUserId)).toBeUndefined();
    expect(failed.html).not.toContain('google-oauth2');

    const retried = await b.submit(failed, '/profile/delete', { confirm: 'DELETE' });
    expect(retried.html).toContain('id="deleted"');
    expect(store.users.get(user.user_id)).toBeUndefined();
  });
});
