import { type Browser } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import {
  TERMS_VERSION,
  databaseUser,
  login,
  pageAnswer,
  postContinue,
  startLoginSandbox,
  type LoginSandbox,
} from './login-fixtures';

// /continue's result page in a real browser: Debian's Chromium (installed by .ci/run, never
// downloaded) driven by playwright-core posts the last page's answer of a redirect round trip
// (linking, then terms; the pages' answers signed by the test as the account service's pages would,
// the pages themselves are tested in test/account) and gets the login's result page.
//
// TLS stays verified: Chromium does not read NODE_EXTRA_CA_CERTS, so it is told to accept exactly
// this sandbox's server key (--ignore-certificate-errors-spki-list pins its SPKI hash); any other
// certificate error still fails. No blanket ignoreHTTPSErrors.

// Debian's chromium here and in .ci/run; GitHub's runners ship Google Chrome instead (the workflow says so).
let ctx: LoginSandbox;
let browser: Browser;

beforeAll(async () => {
  ctx = await startLoginSandbox();
  browser = await launchChromium(statePaths(ctx.sandbox.stateDir).serverCert);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe("/continue's result page in headless Chromium", () => {
  test('a new Google user links to the existing account, accepts the terms, and ends on the result page', async () => {
    const existing = databaseUser(ctx.sandbox, 'browser@example.com');
    const started = await login(ctx, {
      client: 'Customer Web App',
      connection: 'google-oauth2',
      flow: 'interactive',
      profile: {
        sub: '400000000000000000001',
        email: 'browser@example.com',
        email_verified: true,
        name: 'Browser User',
      },
    });
    if (started.outcome !== 'redirect') throw new Error(`expected a redirect, got ${JSON.stringify(started)}`);
    const toTerms = (await postContinue(ctx, pageAnswer(ctx, started.url, { link_to: existing.user_id }))).body;
    if (toTerms.outcome !== 'redirect') throw new Error(`expected a redirect, got ${JSON.stringify(toTerms)}`);
    const answer = pageAnswer(ctx, toTerms.url, { accepted: true, terms_version: TERMS_VERSION });

    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // Anything the page's Content-Security-Policy refused, and script errors.
      const errors = pageErrors(page);

      // The answer page's form, as the account service's page renders it.
      await page.setContent(
        `<form method="post" action="${ctx.sandbox.url}/continue"><input type="hidden" name="state" value="${answer.state}" /><input type="hidden" name="session_token" value="${answer.session_token}" /><button type="submit">Continue</button></form>`,
      );
      await page.click('button');
      await page.waitForURL(/\/continue$/);
      expect(await page.title()).toBe('Login allowed');
      expect(await page.textContent('#user-id')).toBe(existing.user_id);
      const claims = Object.fromEntries(
        await page.$$eval('#claims tr', (rows) =>
          rows.slice(1).map((row) => [row.children[0]?.textContent ?? '', row.children[1]?.textContent ?? '']),
        ),
      );
      expect(claims).toMatchObject({ sub: existing.user_id, aud: ctx.web.client_id, email: 'browser@example.com' });
      // The result page's CSP allowed its own style, and nothing was refused.
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    const primary = ctx.sandbox.store.users.require(existing.user_id);
    expect(primary.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(primary.app_metadata).toMatchObject({
      terms: { version: TERMS_VERSION },
      account_linking: { status: 'linked' },
    });
  }, 60_000);
});
