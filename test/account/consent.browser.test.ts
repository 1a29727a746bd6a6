import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as client from 'openid-client';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { projectPaths } from '../../tooling/paths';
import { PASSWORD, databaseUser, deployAction, returningMetadata } from '../sandbox/login-fixtures';
import { CALLBACK } from '../sandbox/oidc-fixtures';
import { TERMS_VERSION } from './helpers';
import { startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The consent page in a real browser (Debian's Chromium, the sandbox's certificate pinned), on the
// real flow: the sandbox tenant (https, the project's compiled Actions) with enforce-terms sending
// its page to the account service (plain http on loopback, so another site), as in production. The
// tenant's login form, the Action's redirect to /terms after it (the sign-in pages set no
// form-action, as on Auth0), the answer posted across sites to the tenant's /continue (with the
// login's transaction cookie, SameSite=None), and the login ending at the application's callback.

let setup: LinkingSetup;
let browser: Browser;
let rp: client.Configuration;

beforeAll(async () => {
  setup = await startLinkingSetup();
  const { ctx } = setup;
  // enforce-terms with the account service's page (its session secret is the service's terms secret).
  deployAction(ctx.sandbox, 'enforce-terms', readFileSync(join(projectPaths().distDir, 'enforce-terms.js'), 'utf8'), {
    TERMS_VERSION,
    TERMS_URL: `${setup.accountUrl}/terms`,
    SESSION_TOKEN_SECRET: ctx.sessionSecret,
    TERMS_GRACE_UNTIL: '1970-01-01T00:00:00Z',
  });
  rp = await client.discovery(
    new URL(`${ctx.sandbox.url}/`),
    ctx.rp.client_id,
    undefined,
    client.ClientSecretBasic(ctx.rp.client_secret),
    { [client.customFetch]: ctx.caFetch.fetch },
  );
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
  /** The application's callback query, once reached. */
  callback: () => Record<string, string> | undefined;
}

/** A user who has not accepted the terms logs in to the application, up to the consent page. */
async function toConsentPage(
  email: string,
  options: { javaScriptEnabled?: boolean },
  run: (run: Run) => Promise<void>,
): Promise<void> {
  databaseUser(setup.ctx.sandbox, email, {
    app_metadata: { account_linking: returningMetadata().account_linking ?? null },
  });
  const context = await browser.newContext({ locale: 'fr-FR', ...options });
  const page = await context.newPage();
  const errors = pageErrors(page);
  let reached: Record<string, string> | undefined;
  await page.route(`${new URL(CALLBACK).origin}/**`, (route) => {
    reached = Object.fromEntries(new URL(route.request().url()).searchParams);
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Application</title>' });
  });
  try {
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
    });
    await page.goto(url.toString());
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button:text-is("Continue")');
    await page.waitForURL(new RegExp(`^${setup.accountUrl}/terms\\?`));
    await run({ page, errors, callback: () => reached });
  } finally {
    await context.close();
  }
}

const termsOf = (email: string): unknown => setup.ctx.sandbox.store.users.findByEmail(email)[0]?.app_metadata['terms'];

describe('the consent page in headless Chromium', () => {
  test('accept: the answer posts itself to /continue, the login ends at the application with the acceptance recorded', async () => {
    await toConsentPage('consent-accept@example.com', {}, async ({ page, errors, callback }) => {
      // Accept-Language from the browser's locale: French.
      expect(await page.title()).toBe('Conditions générales');
      expect(await page.getAttribute('#terms', 'data-version')).toBe(TERMS_VERSION);
      await page.click('button[value=accept]');
      await expect.poll(callback, { timeout: 10_000 }).toMatchObject({ code: expect.any(String) });
      expect(termsOf('consent-accept@example.com')).toMatchObject({ version: TERMS_VERSION });
      expect(errors).toEqual([]);
    });
  }, 60_000);

  test('decline: the login is denied terms_declined', async () => {
    await toConsentPage('consent-decline@example.com', {}, async ({ page, errors, callback }) => {
      await page.click('button[value=decline]');
      await expect.poll(callback, { timeout: 10_000 }).toMatchObject({
        error: 'access_denied',
        error_description: expect.stringContaining('terms_declined'),
      });
      expect(termsOf('consent-decline@example.com')).toBeUndefined();
      expect(errors).toEqual([]);
    });
  }, 60_000);

  test('without JavaScript the Continue button does the same', async () => {
    await toConsentPage('consent-nojs@example.com', { javaScriptEnabled: false }, async ({ page, callback }) => {
      await page.click('button[value=accept]');
      await page.waitForSelector('form#continue');
      await page.click('form#continue button');
      await expect.poll(callback, { timeout: 10_000 }).toMatchObject({ code: expect.any(String) });
      expect(termsOf('consent-nojs@example.com')).toMatchObject({ version: TERMS_VERSION });
    });
  }, 60_000);
});
