import { type Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { launchChromium, pageErrors } from '../chromium';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { Browser } from '../sandbox/oidc-fixtures';
import { outboxTo, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// An email change link opened in a browser without a profile session (another device), in headless
// Chromium with the service on plain http and the tenant on https: another site, so the tenant's
// redirect to the callback is cross-site and the SameSite=Strict session cookie stays off it. The
// link's token must come through the tenant's login anyway (in the Lax login cookie), and the
// callback's page moves on to the confirm page for it.

let setup: LinkingSetup;
let browser: Chromium;

beforeAll(async () => {
  setup = await startLinkingSetup();
  browser = await launchChromium(statePaths(setup.ctx.sandbox.stateDir).serverCert);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await setup?.close();
});

describe('an email change link opened on another device, in headless Chromium (cross-site tenant)', () => {
  test('the link → a fresh sign-in → the confirm page → confirm: the new address verified', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'chromium-device-old@example.com', {
      app_metadata: returningMetadata(),
    });
    // The request, on the first device.
    const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
    const login = await b.visit(`${setup.accountUrl}/profile`);
    await b.submit(login, '/u/login', { email: 'chromium-device-old@example.com', password: PASSWORD });
    const form = await b.visit(`${setup.accountUrl}/profile/email`);
    await b.submit(form, '/profile/email', { email: 'chromium-device-new@example.com' });
    const [mail] = await outboxTo(setup, 'chromium-device-new@example.com');
    expect(mail?.url).toMatch(/\/profile\/email\/confirm\?token=/);

    // The link, in a browser that has never signed in to the service.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors = pageErrors(page);
      await page.goto(mail?.url ?? '');
      await page.waitForURL(/\/u\/login\?/);
      expect(page.url()).not.toContain(new URL(mail?.url ?? '').searchParams.get('token'));
      await page.fill('input[name=email]', 'chromium-device-old@example.com');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button:text-is("Continue")');
      await page.waitForURL(`${setup.accountUrl}/profile/email/confirm`);
      expect(await page.textContent('#confirm-question')).toContain('chromium-device-new@example.com');
      expect(setup.ctx.sandbox.store.users.require(user.user_id).email).toBe('chromium-device-old@example.com');
      await page.click('button:text-is("Confirm the change")');
      await page.waitForSelector('#email-changed');
      expect(setup.ctx.sandbox.store.users.require(user.user_id)).toMatchObject({
        email: 'chromium-device-new@example.com',
        email_verified: true,
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
