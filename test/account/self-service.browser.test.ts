import { readFileSync } from 'node:fs';
import * as client from 'openid-client';
import { type Browser as Chromium, type Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { passwordLogin, discoverClient, Browser, CALLBACK } from '../sandbox/oidc-fixtures';
import { PROFILE_API, PROFILE_SPA_ORIGIN, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The profile page's self-service in headless Chromium (Debian's), between the sandbox tenant (the
// project's compiled Actions) and the account service (https with the sandbox's certificate, see
// linking-fixtures): a password change after a fresh sign-in through /profile/reauth, then a login
// to an application with the new password (the old one refused) on the tenant's login page; the
// unlink of a Google identity, which becomes a user of its own; the "download my data" file. No
// Content-Security-Policy violation may occur on the service's pages. And the profile API called
// from the Profile SPA's origin (CORS), refused to another origin. One browser, one sandbox.

const NEW_PASSWORD = 'Another-Horse-12';

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

/** A fresh browser context with a page whose CSP refusals and script errors are collected. */
async function withPage(
  run: (page: Page, errors: string[]) => Promise<void>,
  permissions: string[] = [],
): Promise<void> {
  const context = await browser.newContext({ acceptDownloads: true, permissions });
  const page = await context.newPage();
  const errors = pageErrors(page);
  try {
    await run(page, errors);
  } finally {
    await context.close();
  }
}

/** The tenant's login page, filled and sent; `then` is where the browser must end up. */
async function signIn(page: Page, email: string, password: string, then: string | RegExp): Promise<void> {
  await page.waitForURL(/\/u\/login\?/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button:text-is("Continue")');
  await page.waitForURL(then);
}

async function openProfile(page: Page, email: string): Promise<void> {
  await page.goto(`${setup.accountUrl}/profile`);
  await signIn(page, email, PASSWORD, `${setup.accountUrl}/profile`);
  expect(await page.textContent('#email')).toBe(email);
}

/**
 * A login to the application (the relying party) on the tenant's login page: `callback` when it
 * got a code, else the login page's error.
 */
async function applicationLogin(page: Page, email: string, password: string): Promise<string> {
  let reached: string | undefined;
  await page.route(`${new URL(CALLBACK).origin}/**`, (route) => {
    reached = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Application</title>' });
  });
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: CALLBACK,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: client.randomState(),
  });
  await page.goto(url.toString());
  await page.waitForURL(/\/u\/login\?/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button:text-is("Continue")');
  await page.waitForLoadState();
  await expect
    .poll(async () => reached ?? (await page.locator('p.error[role=alert]').count()), { timeout: 10_000 })
    .not.toBe(0);
  if (reached) return reached.startsWith(`${CALLBACK}?code=`) ? 'callback' : reached;
  return (await page.textContent('p.error[role=alert]')) ?? '';
}

describe('self-service on the profile page, in headless Chromium', () => {
  test('password change after a fresh sign-in; then the application logs in with the new password only', async () => {
    const { store } = setup.ctx.sandbox;
    const user = databaseUser(setup.ctx.sandbox, 'chromium-password@example.com', {
      app_metadata: returningMetadata(),
    });
    await withPage(async (page, errors) => {
      await openProfile(page, 'chromium-password@example.com');
      // Six minutes on, the sign-in is no longer recent: refused, and a fresh one offered.
      setup.clock.offsetMs = 6 * 60_000;
      try {
        await page.fill('#password', NEW_PASSWORD);
        await page.fill('#confirm', NEW_PASSWORD);
        await page.click('form[action="/profile/password"] button[type=submit]');
        await page.waitForSelector('#password-error[data-problem=stale]');
      } finally {
        setup.clock.offsetMs = 0;
      }
      expect(store.users.verifyDatabasePassword('customers', 'chromium-password@example.com', PASSWORD)).toBeDefined();
      await page.click('#reauth');
      await signIn(page, 'chromium-password@example.com', PASSWORD, `${setup.accountUrl}/profile`);
      await page.fill('#password', NEW_PASSWORD);
      await page.fill('#confirm', NEW_PASSWORD);
      await page.click('form[action="/profile/password"] button[type=submit]');
      await page.waitForSelector('#password-changed');
      expect(errors).toEqual([]);
    });
    await withPage(async (page) => {
      expect(await applicationLogin(page, 'chromium-password@example.com', PASSWORD)).toBe('Wrong email or password.');
    });
    await withPage(async (page) => {
      expect(await applicationLogin(page, 'chromium-password@example.com', NEW_PASSWORD)).toBe('callback');
    });
    expect(
      store.users.verifyDatabasePassword('customers', 'chromium-password@example.com', NEW_PASSWORD)?.user_id,
    ).toBe(user.user_id);
  }, 90_000);

  test('unlink a linked Google identity: it becomes a user of its own in the tenant', async () => {
    const { store } = setup.ctx.sandbox;
    const user = databaseUser(setup.ctx.sandbox, 'chromium-unlink@example.com', { app_metadata: returningMetadata() });
    const googleId = '20769150350006150715113082367';
    const google = store.users.findOrCreateFromIdentity({
      connection: 'google-oauth2',
      identityId: googleId,
      email: 'chromium-unlink@example.com',
      email_verified: true,
    });
    store.users.link(user.user_id, { provider: 'google-oauth2', identityId: googleId });
    expect(store.users.identityOwner('google-oauth2', googleId)?.user_id).toBe(user.user_id);
    await withPage(async (page, errors) => {
      await openProfile(page, 'chromium-unlink@example.com');
      expect(await page.locator('#identities li').allTextContents()).toEqual([
        expect.stringContaining('customers'),
        expect.stringContaining('google-oauth2'),
      ]);
      await page.click(`form.unlink:has(input[name=identity][value="${google.user_id}"]) button`);
      await page.waitForSelector('#unlinked');
      expect(await page.locator('#identities li').count()).toBe(1);
      expect(await page.locator('form.unlink').count()).toBe(0);
      expect(errors).toEqual([]);
    });
    expect(store.users.require(user.user_id).identities.map((identity) => identity.provider)).toEqual(['auth0']);
    const own = store.users.identityOwner('google-oauth2', googleId);
    expect(own?.user_id).toBe(google.user_id);
    expect(own?.identities.map((identity) => `${identity.provider}|${identity.user_id}`)).toEqual([
      `google-oauth2|${googleId}`,
    ]);
    expect(own?.email).toBe('chromium-unlink@example.com');
  }, 60_000);

  test('download my data: a JSON file with the profile, metadata, terms history and identities', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'chromium-export@example.com', {
      app_metadata: { ...returningMetadata(), entitlements: ['shop'] },
      user_metadata: { nickname: 'exporter', preferred_language: 'fr' },
    });
    await withPage(async (page, errors) => {
      await openProfile(page, 'chromium-export@example.com');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
      expect(download.suggestedFilename()).toBe('my-account-data.json');
      const data = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
        exported_at: string;
        user: Record<string, unknown>;
      };
      expect(Date.parse(data.exported_at)).not.toBeNaN();
      expect(data.user).toMatchObject({
        user_id: user.user_id,
        email: 'chromium-export@example.com',
        user_metadata: { nickname: 'exporter', preferred_language: 'fr' },
        app_metadata: {
          terms: { version: '2026-01' },
          account_linking: { status: 'no_candidates' },
          entitlements: ['shop'],
        },
        identities: [expect.objectContaining({ provider: 'auth0', connection: 'customers' })],
      });
      // The page stays where it was: a download, not a navigation.
      expect(page.url()).toBe(`${setup.accountUrl}/profile`);
      expect(errors).toEqual([]);
    });
  }, 60_000);
});

/** An access token of the application for the profile API, after the user's login (no browser). */
async function profileApiToken(email: string): Promise<string> {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url]);
  const tokens = await passwordLogin(rp, b, email, {
    scope: 'openid read:profile update:profile',
    audience: PROFILE_API,
  });
  return tokens.access_token;
}

describe('the profile API from a page on another origin, in headless Chromium', () => {
  interface Called {
    read?: number;
    metadata?: unknown;
    update?: number;
    failed?: string;
  }

  /** A page served at `origin` (by Playwright) calls the API with the token: what it could read. */
  async function callFrom(origin: string, token: string): Promise<Called> {
    let called: Called = {};
    await withPage(
      async (page) => {
        await page.route(`${origin}/**`, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Profile SPA</title>' }),
        );
        await page.goto(`${origin}/`);
        called = await page.evaluate(
          async ({ url, bearer }) => {
            try {
              const read = await fetch(url, { headers: { authorization: bearer } });
              const body = (await read.json()) as { user_metadata?: unknown };
              const update = await fetch(url, {
                method: 'PATCH',
                headers: { authorization: bearer, 'content-type': 'application/json' },
                body: JSON.stringify({ nickname: 'from the spa' }),
              });
              return { read: read.status, metadata: body.user_metadata, update: update.status };
            } catch (error) {
              return { failed: String(error) };
            }
          },
          { url: `${setup.accountUrl}/api/profile`, bearer: `Bearer ${token}` },
        );
        // The page is served by Playwright, from no address: Chromium counts it as public and asks
        // before it reaches the loopback service (Local Network Access). Granted here; the SPA and
        // the API are both public in production.
      },
      ['local-network-access'],
    );
    return called;
  }

  test('the Profile SPA’s origin reads and updates; another origin’s page gets nothing, and nothing is sent', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'chromium-spa@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { given_name: 'Ada' },
    });
    const token = await profileApiToken('chromium-spa@example.com');
    const { store } = setup.ctx.sandbox;

    // The preflight is refused: the page's fetch fails before the request is sent.
    expect(await callFrom('https://shop.evil.example', token)).toEqual({ failed: 'TypeError: Failed to fetch' });
    expect(store.users.require(user.user_id).user_metadata).toEqual({ given_name: 'Ada' });

    expect(await callFrom(PROFILE_SPA_ORIGIN, token)).toEqual({
      read: 200,
      metadata: { given_name: 'Ada' },
      update: 200,
    });
    expect(store.users.require(user.user_id).user_metadata).toEqual({ given_name: 'Ada', nickname: 'from the spa' });
  }, 60_000);
});
