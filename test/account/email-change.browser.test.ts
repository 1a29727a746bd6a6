import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { launchChromium, pageErrors } from '../chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { statePaths } from '../../local/sandbox/state';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { outboxTo, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The email change in headless Chromium (Debian's), between the sandbox tenant and the account
// service (https with the sandbox's certificate, see linking-fixtures): sign in to the profile,
// ask for the change, take the link from the sandbox outbox (the service's email came in through
// the sandbox's SMTP ingress), confirm; then the tenant holds the new verified address, the old
// one got the notice, and the new address signs in. No CSP violation on the way.

let setup: LinkingSetup;
let browser: Browser;

beforeAll(async () => {
  setup = await startLinkingSetup({ tls: true });
  browser = await launchChromium(statePaths(setup.ctx.sandbox.stateDir).serverCert);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await setup?.close();
});

/** A fresh browser whose CSP refusals and script errors are collected. */
async function openBrowser(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = pageErrors(page);
  return { context, page, errors };
}

async function signInToProfile(page: Page, email: string): Promise<void> {
  await page.goto(`${setup.accountUrl}/profile`);
  await page.waitForURL(/\/u\/login\?/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button:text-is("Continue")');
  await page.waitForURL(`${setup.accountUrl}/profile`);
}

describe('the email change in headless Chromium', () => {
  test('request, the link from the outbox, confirm: the new address verified, the old one told, sign-in with the new one', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'chromium-email-old@example.com', {
      app_metadata: returningMetadata(),
    });
    const first = await openBrowser();
    try {
      await signInToProfile(first.page, 'chromium-email-old@example.com');
      await first.page.click('#change-email');
      await first.page.waitForURL(`${setup.accountUrl}/profile/email`);
      await first.page.fill('input[name=email]', 'chromium-email-new@example.com');
      await first.page.click('button:text-is("Send a confirmation link")');
      await first.page.waitForSelector('#email-sent');
      expect(setup.ctx.sandbox.store.users.require(user.user_id).email).toBe('chromium-email-old@example.com');

      const [mail] = await outboxTo(setup, 'chromium-email-new@example.com');
      expect(mail?.template).toBe('smtp');
      expect(mail?.url).toMatch(/\/profile\/email\/confirm\?token=/);
      await first.page.goto(mail?.url ?? '');
      expect(await first.page.textContent('#confirm-question')).toContain('chromium-email-new@example.com');
      expect(setup.ctx.sandbox.store.users.require(user.user_id).email).toBe('chromium-email-old@example.com');
      await first.page.click('button:text-is("Confirm the change")');
      await first.page.waitForSelector('#email-changed');
      expect(setup.ctx.sandbox.store.users.require(user.user_id)).toMatchObject({
        email: 'chromium-email-new@example.com',
        email_verified: true,
      });
      await first.page.click('#to-profile');
      await first.page.waitForURL(`${setup.accountUrl}/profile`);
      expect(await first.page.textContent('#email')).toBe('chromium-email-new@example.com');

      const [notice] = await outboxTo(setup, 'chromium-email-old@example.com');
      expect(notice?.subject).toBe('Your email address was changed');
      expect(notice?.html).toContain('c***@e***.com');
      expect(first.errors).toEqual([]);
    } finally {
      await first.context.close();
    }

    const second = await openBrowser();
    try {
      await signInToProfile(second.page, 'chromium-email-new@example.com');
      expect(await second.page.textContent('#email')).toBe('chromium-email-new@example.com');
      expect(second.errors).toEqual([]);
    } finally {
      await second.context.close();
    }
  }, 60_000);
});
