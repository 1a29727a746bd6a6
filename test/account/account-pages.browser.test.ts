import * as client from 'openid-client';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { discoverClient, CALLBACK } from '../sandbox/oidc-fixtures';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The linking and profile pages in headless Chromium (Debian's), between the sandbox tenant (the project's
// compiled Actions, https) and the account service (plain http on loopback, so another site): a Google
// login offered the database account with its email, the proof of control through a nested login on
// the tenant's login page while the Google login waits at the linking page, then that login continued
// in the same browser (its transaction cookie, SameSite=None, sent with the cross-site post to
// /continue); a refusal when the proof signs in to another account; then a profile edit (saved, and
// refused over a cap). No Content-Security-Policy violation may occur on either side.

let setup: LinkingSetup;
let browser: Browser;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup();
  const { ctx } = setup;
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  browser = await launchChromium(statePaths(ctx.sandbox.stateDir).serverCert);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await setup?.close();
});

interface Run {
  page: Page;
  /** Anything the Content-Security-Policy refused, and script errors. */
  errors: string[];
  /** The URL the application's callback was called with, once reached. */
  callback: () => string | undefined;
}

async function withGoogleLogin(email: string, run: (run: Run) => Promise<void>): Promise<void> {
  // Chromium trusts the sandbox's certificate by its hash (at launch).
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = pageErrors(page);
  let reached: string | undefined;
  await page.route(`${new URL(CALLBACK).origin}/**`, (route) => {
    reached = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Application</title>' });
  });
  try {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
      connection: 'google-oauth2',
    });
    await page.goto(url.toString());
    await page.fill('input[name=email]', email);
    await page.fill('input[name=name]', 'Chromium Linker');
    await page.click('button:text-is("Continue")');
    await page.waitForURL(new RegExp(`^${setup.accountUrl}/link\\?`));
    await run({ page, errors, callback: () => reached });
  } finally {
    await context.close();
  }
}

describe('the linking page in headless Chromium', () => {
  test('proof of control: sign in to the offered account, linked, the login ends at the application', async () => {
    const existing = databaseUser(setup.ctx.sandbox, 'chromium-link@example.com', {
      app_metadata: { terms: returningMetadata().terms ?? null },
    });
    await withGoogleLogin('chromium-link@example.com', async ({ page, errors, callback }) => {
      expect(await page.title()).toBe('Link your accounts');
      expect(await page.content()).not.toContain('chromium-link@example.com');
      await page.click('button:text-is("Sign in and link")');
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', 'chromium-link@example.com');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      // The answer posts itself to /continue; enforce-terms then asks the Google identity.
      await page.waitForURL(new RegExp(`^${setup.accountUrl}/terms\\?`));
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(/^https:\/\/rp\.example\.com\/callback\?code=/);
      expect(setup.ctx.sandbox.store.users.require(existing.user_id).identities.map((i) => i.provider)).toEqual([
        'auth0',
        'google-oauth2',
      ]);
      expect(errors).toEqual([]);
    });
  }, 60_000);

  test('a proof that signs in to another account: refused, nothing linked', async () => {
    const offered = databaseUser(setup.ctx.sandbox, 'chromium-offered@example.com', {
      app_metadata: returningMetadata(),
    });
    databaseUser(setup.ctx.sandbox, 'chromium-other@example.com', { app_metadata: returningMetadata() });
    await withGoogleLogin('chromium-offered@example.com', async ({ page, errors, callback }) => {
      await page.click('button:text-is("Sign in and link")');
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', 'chromium-other@example.com');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(/\/link\/callback\?/);
      expect(await page.textContent('#error')).toContain('another account than the one offered');
      expect(await page.locator('form#continue').count()).toBe(0);
      expect(callback()).toBeUndefined();
      expect(setup.ctx.sandbox.store.users.require(offered.user_id).identities).toHaveLength(1);
      // Back to the linking page (the Strict session is sent again: same-site navigation).
      await page.click('#back');
      await expect.poll(() => page.title()).toBe('Link your accounts');
      await page.click('button:text-is("Don’t link")');
      await page.waitForURL(new RegExp(`^${setup.accountUrl}/terms\\?`));
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(/^https:\/\/rp\.example\.com\/callback\?code=/);
      expect(setup.ctx.sandbox.store.users.require(offered.user_id).identities).toHaveLength(1);
      expect(errors).toEqual([]);
    });
  }, 60_000);
});

describe('the profile page in headless Chromium', () => {
  test('sign in, edit the name and language: saved, shown, stored; no CSP violation', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'chromium-profile@example.com', {
      app_metadata: returningMetadata(),
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = pageErrors(page);
    try {
      await page.goto(`${setup.accountUrl}/profile`);
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', 'chromium-profile@example.com');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(`${setup.accountUrl}/profile`);
      expect(await page.textContent('#email')).toBe('chromium-profile@example.com');
      await page.fill('input[name=given_name]', 'Grace');
      await page.fill('input[name=family_name]', 'Hopper');
      await page.selectOption('select[name=preferred_language]', 'fr');
      await page.click('button:text-is("Save")');
      await page.waitForSelector('#saved');
      expect(await page.inputValue('input[name=given_name]')).toBe('Grace');
      expect(setup.ctx.sandbox.store.users.require(user.user_id).user_metadata).toMatchObject({
        given_name: 'Grace',
        family_name: 'Hopper',
        preferred_language: 'fr',
      });
      // Over the cap: refused, the previous values stay.
      await page.fill('input[name=nickname]', 'n'.repeat(301));
      await page.click('button:text-is("Save")');
      await page.waitForSelector('#error');
      expect(setup.ctx.sandbox.store.users.require(user.user_id).user_metadata).not.toHaveProperty('nickname');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
