import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OutboxEmail } from '../../local/sandbox';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { Browser } from '../sandbox/oidc-fixtures';
import { outboxTo, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The email change link opened without a profile session (another device or browser) against the
// sandbox: the service keeps the verified token through a fresh sign-in and comes back to the
// confirm page for it; the POST still needs the link's user. A setup of its own: the per-IP limits
// of email-change.sandbox.test.ts's minute are used up there.

let setup: LinkingSetup;

beforeAll(async () => {
  setup = await startLinkingSetup();
});

afterAll(async () => {
  await setup?.close();
});

const newClient = () => new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
const stored = (userId: string) => setup.ctx.sandbox.store.users.require(userId);
const confirmUrl = () => `${setup.accountUrl}/profile/email/confirm`;

/** The user `from`, signed in on one device, asks for a change to `to`: the link from the outbox. */
async function linkFor(from: string, to: string): Promise<{ link: string; userId: string }> {
  const user = databaseUser(setup.ctx.sandbox, from, { app_metadata: returningMetadata() });
  const b = newClient();
  const login = await b.visit(`${setup.accountUrl}/profile`);
  await b.submit(login, '/u/login', { email: from, password: PASSWORD });
  const form = await b.visit(`${setup.accountUrl}/profile/email`);
  await b.submit(form, '/profile/email', { email: to });
  const mails = await outboxTo(setup, to);
  expect(mails).toHaveLength(1);
  return { link: (mails[0] as OutboxEmail).url ?? '', userId: user.user_id };
}

/** Opens the link in `b` (no session): the tenant's login page, signed in as `email`; the callback's page. */
async function openAndSignIn(b: Browser, link: string, email: string) {
  const login = await b.visit(link);
  expect(login.url.startsWith(`${setup.ctx.sandbox.url}/u/login`)).toBe(true);
  // The token stays with the service: in no URL the tenant sees.
  const token = new URL(link).searchParams.get('token') ?? '';
  expect(login.url).not.toContain(token);
  const callbackPage = await b.submit(login, '/u/login', { email, password: PASSWORD });
  expect(callbackPage.url.startsWith(`${setup.accountUrl}/profile/callback`)).toBe(true);
  // It moves on to the confirm page (no token in its URL either).
  expect(callbackPage.html).toContain('href="/profile/email/confirm"');
  return callbackPage;
}

describe('an email change link opened without a profile session', () => {
  test('a fresh sign-in, then the confirm page for that link; the POST changes the email; then the link is dropped', async () => {
    const { link, userId } = await linkFor('device-old@example.com', 'device-new@example.com');
    const b = newClient();
    await openAndSignIn(b, link, 'device-old@example.com');
    const confirmPage = await b.visit(confirmUrl());
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.html).toContain('id="confirm-question"');
    expect(confirmPage.html).toContain('device-new@example.com');
    expect(stored(userId).email).toBe('device-old@example.com');

    const done = await b.submit(confirmPage, '/profile/email/confirm', {});
    expect(done.status).toBe(200);
    expect(done.html).toContain('id="email-changed"');
    expect(stored(userId)).toMatchObject({ email: 'device-new@example.com', email_verified: true });
    // Used: no longer kept.
    const after = await b.visit(confirmUrl());
    expect(after.status).toBe(400);
    expect(after.html).toContain('data-problem="invalid"');
  });

  test('another user signs in: refused (403), nothing changed, the link no longer kept', async () => {
    const { link, userId } = await linkFor('device-owner@example.com', 'device-owner-new@example.com');
    databaseUser(setup.ctx.sandbox, 'device-intruder@example.com', { app_metadata: returningMetadata() });
    const b = newClient();
    await openAndSignIn(b, link, 'device-intruder@example.com');
    const refused = await b.visit(confirmUrl());
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('data-problem="otherUser"');
    expect(refused.html).not.toContain('device-owner-new@example.com');
    const again = await b.visit(confirmUrl());
    expect(again.html).toContain('data-problem="invalid"');
    expect(stored(userId).email).toBe('device-owner@example.com');
  });

  test('a tampered or expired link: the error page, nothing kept, no sign-in started; the link in time starts one', async () => {
    const { link } = await linkFor('device-bad@example.com', 'device-bad-new@example.com');
    const token = new URL(link).searchParams.get('token') ?? '';
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, new_email: 'attacker@example.com' })).toString('base64url');
    const tamperedLink = `${confirmUrl()}?token=${[header, forged, signature].join('.')}`;
    const b = newClient();
    const tampered = await b.visit(tamperedLink);
    expect(tampered.status).toBe(400);
    expect(tampered.html).toContain('data-problem="invalid"');
    expect(tampered.url).toBe(tamperedLink);

    setup.clock.offsetMs = 31 * 60_000;
    try {
      const expired = await b.visit(link);
      expect(expired.status).toBe(400);
      expect(expired.html).toContain('data-problem="expired"');
      expect(expired.url).toBe(link);
    } finally {
      setup.clock.offsetMs = 0;
    }
    // No cookie set: nothing kept, no sign-in's checks.
    expect([...b.cookies.keys()]).toEqual([]);
    // The same client with the link in time: the sign-in starts, for that link only.
    await openAndSignIn(b, link, 'device-bad@example.com');
    const confirmPage = await b.visit(confirmUrl());
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.html).toContain('device-bad-new@example.com');
    expect(confirmPage.html).not.toContain('attacker@example.com');
  });

  test('a link that expires during the sign-in: the error page, then no longer kept', async () => {
    const { link, userId } = await linkFor('device-late@example.com', 'device-late-new@example.com');
    const b = newClient();
    await openAndSignIn(b, link, 'device-late@example.com');
    setup.clock.offsetMs = 31 * 60_000;
    try {
      const expired = await b.visit(confirmUrl());
      expect(expired.status).toBe(400);
      expect(expired.html).toContain('data-problem="expired"');
    } finally {
      setup.clock.offsetMs = 0;
    }
    const later = await b.visit(confirmUrl());
    expect(later.html).toContain('data-problem="invalid"');
    expect(stored(userId).email).toBe('device-late@example.com');
  });
});
