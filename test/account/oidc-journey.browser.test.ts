import * as client from 'openid-client';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { PASSWORD } from '../sandbox/login-fixtures';
import { discoverClient, CALLBACK, startAuthorization, type Authorization } from '../sandbox/oidc-fixtures';
import { outboxTo, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The whole journey of one person in headless Chromium (Debian's, the sandbox's server key pinned
// instead of ignoring TLS errors), between the sandbox tenant (https, the compiled Actions) and the
// account service (plain http on loopback, another site): signup on the tenant's login pages → the
// service's consent page → the application's callback; the verification link from the outbox; then
// a Google login (simulated, prompt=login over the signup's SSO session) with the same email → the
// service's linking page → proof of control by a nested login (credentials asked again despite that
// session) → the consent page → callback, as the very account made at signup; each code exchanged
// by openid-client. No page's CSP may refuse anything on the way (the forms end at the callback).
// The pages' own details (consent's version and languages, the link refusal) are in
// consent.browser.test.ts and account-pages.browser.test.ts; this is the chain of them.

const EMAIL = 'chromium@example.com';

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

const authorization = (extra: Record<string, string> = {}): Promise<Authorization> =>
  startAuthorization(rp, CALLBACK, { scope: 'openid profile email', ...extra });

/** The application: its callback answers with a page, and the URL it was called with is kept. */
async function application(page: Page): Promise<() => string | undefined> {
  let reached: string | undefined;
  await page.route(`${new URL(CALLBACK).origin}/**`, (route) => {
    reached = route.request().url();
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Application</title>' });
  });
  return () => reached;
}

describe('a browser journey through the OIDC provider and the account service', () => {
  test('signup → consent → callback; verification link; Google login with the same email → linking → consent → callback', async () => {
    const { ctx, accountUrl } = setup;
    const consentPage = new RegExp(`^${accountUrl}/terms\\?`);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = pageErrors(page);
    const callback = await application(page);
    try {
      // Signup: the login page's link to the signup page, then the service's consent page.
      const signup = await authorization();
      await page.goto(signup.url.toString());
      await expect.poll(() => page.title()).toBe('Log in');
      await page.click('a:text-is("Sign up")');
      await expect.poll(() => page.title()).toBe('Sign up');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', 'weak');
      await page.click('button:text-is("Continue")');
      await expect.poll(() => page.textContent('[role=alert]')).toContain('Password is too weak');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(consentPage);
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(/^https:\/\/rp\.example\.com\/callback\?code=/);
      const first = await client.authorizationCodeGrant(rp, new URL(callback() ?? ''), {
        pkceCodeVerifier: signup.verifier,
        expectedState: signup.state,
        expectedNonce: signup.nonce,
      });
      const userId = first.claims()?.sub ?? '';
      expect(first.claims()).toMatchObject({ email: EMAIL, email_verified: false });

      // The verification email, read through the outbox's JSON API, opened in the browser.
      const verification = (await outboxTo(setup, EMAIL)).find((email) => email.template === 'verify_email');
      await page.goto(verification?.url ?? 'about:blank');
      expect(ctx.sandbox.store.users.require(userId).email_verified).toBe(true);

      // A Google account with the same verified email: offered to link to the database account
      // (prompt=login: the SSO session from the signup would answer at once otherwise).
      const google = await authorization({ connection: 'google-oauth2', prompt: 'login' });
      await page.goto(google.url.toString());
      await expect.poll(() => page.title()).toBe('Sign in with google-oauth2');
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=name]', 'Chromium User');
      await page.click('button:text-is("Continue")');
      await page.waitForURL(new RegExp(`^${accountUrl}/link\\?`));
      // The proof: the tenant's login page asks the password although the browser has a session.
      await page.click('button:text-is("Sign in and link")');
      await page.waitForURL(/\/u\/login\?/);
      await page.fill('input[name=email]', EMAIL);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(consentPage);
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatch(new RegExp(`state=${google.state}`));
      const second = await client.authorizationCodeGrant(rp, new URL(callback() ?? ''), {
        pkceCodeVerifier: google.verifier,
        expectedState: google.state,
        expectedNonce: google.nonce,
      });
      // The Google login ends as the account made at signup (linked into it).
      expect(second.claims()).toMatchObject({ sub: userId, email: EMAIL, email_verified: true });
      // The pages' own script and style ran (the auto-submits) and nothing was refused by their CSP.
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
