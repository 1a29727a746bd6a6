import * as client from 'openid-client';
import { type Browser as Chromium } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OidcStore } from '../../local/sandbox/oidc';
import { statePaths } from '../../local/sandbox/state';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { passwordLogin, discoverClient, Browser, API } from '../sandbox/oidc-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// "Delete my account" in headless Chromium (Debian's), against the sandbox tenant and the account
// service over https (see linking-fixtures): a user with a linked Google identity signs in to the
// profile, signs in again when the sign-in is no longer recent (and comes back to the page),
// types the confirmation word and deletes; afterwards no user holds either identity, the
// sessions and refresh tokens are gone, and the old password no longer signs in. No CSP violation.

const EMAIL = 'chromium-delete@example.com';
const GOOGLE_ID = '60769150350006150715113082367';

let setup: LinkingSetup;
let browser: Chromium;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup({ tls: true });
  const { ctx } = setup;
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  browser = await launchChromium(statePaths(ctx.sandbox.stateDir).serverCert);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await setup?.close();
});

/** The application signed in on another device: an SSO session and a refresh token there. */
async function otherDeviceLogin(): Promise<string> {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url]);
  const tokens = await passwordLogin(rp, b, EMAIL, { scope: 'openid email offline_access read:orders', audience: API });
  if (!tokens.refresh_token) throw new Error('no refresh token');
  return tokens.refresh_token;
}

describe('delete my account in headless Chromium', () => {
  test('sign in, sign in again, confirm: the user and every identity gone, signed out everywhere', async () => {
    const { store } = setup.ctx.sandbox;
    const oidc = new OidcStore(store.db);
    const user = databaseUser(setup.ctx.sandbox, EMAIL, { app_metadata: returningMetadata() });
    store.users.findOrCreateFromIdentity({
      connection: 'google-oauth2',
      identityId: GOOGLE_ID,
      email: EMAIL,
      email_verified: true,
    });
    store.users.link(user.user_id, { provider: 'google-oauth2', identityId: GOOGLE_ID });
    const refreshToken = await otherDeviceLogin();
    await client.refreshTokenGrant(rp, refreshToken);

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = pageErrors(page);
    try {
      await page.goto(`${setup.accountUrl}/profile`);
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(`${setup.accountUrl}/profile`);

      // Six minutes later the sign-in is no longer recent: the page offers a fresh one.
      setup.clock.offsetMs = 6 * 60_000;
      await page.click('#delete-account');
      await page.waitForURL(`${setup.accountUrl}/profile/delete`);
      expect(await page.locator('#delete-error[data-problem="stale"]').count()).toBe(1);
      expect(await page.locator('form[action="/profile/delete"]').count()).toBe(0);
      setup.clock.offsetMs = 0;
      await page.click('#reauth');
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      // Back on the delete page (the callback's page moves on to it).
      await page.waitForURL(`${setup.accountUrl}/profile/delete`);
      expect(await page.textContent('#email')).toBe(EMAIL);
      expect(await page.textContent('#identities')).toContain('google-oauth2');

      // Without the word: refused, nothing deleted.
      await page.fill('input[name=confirm]', 'please');
      await page.click('button:text-is("Delete my account permanently")');
      await page.waitForSelector('#delete-error[data-problem="unconfirmed"]');
      expect(store.users.require(user.user_id).identities).toHaveLength(2);

      await page.fill('input[name=confirm]', (await page.textContent('#confirm-word')) ?? '');
      await page.click('button:text-is("Delete my account permanently")');
      await page.waitForSelector('#deleted');

      expect(store.users.get(user.user_id)).toBeUndefined();
      expect(store.users.identityOwner('google-oauth2', GOOGLE_ID)).toBeUndefined();
      expect(store.users.get(`google-oauth2|${GOOGLE_ID}`)).toBeUndefined();
      expect(store.users.findByEmail(EMAIL)).toEqual([]);
      // The Google identity was unlinked and deleted as a user of its own, the primary user last (the
      // tenant's "User deleted" log events).
      const deletedUsers = store.logs
        .search({ filters: { type: 'sdu' }, ascending: true, offset: 0, limit: 1000 })
        .logs.map((event) => event.user_id)
        .filter((id) => id === user.user_id || id === `google-oauth2|${GOOGLE_ID}`);
      expect(deletedUsers).toEqual([`google-oauth2|${GOOGLE_ID}`, user.user_id]);
      expect(oidc.sessionsOf(user.user_id)).toEqual([]);
      expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);
      await expect(client.refreshTokenGrant(rp, refreshToken)).rejects.toThrow();

      // The old password no longer signs in.
      await page.goto(`${setup.accountUrl}/profile`);
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await expect.poll(() => page.textContent('body')).toContain('Wrong email or password');
      expect(page.url()).not.toContain(`${setup.accountUrl}/profile`);
      expect(errors).toEqual([]);
    } finally {
      setup.clock.offsetMs = 0;
      await context.close();
    }
  }, 60_000);
});
