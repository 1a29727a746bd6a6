import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RATE_LIMITS } from '../../account/server';
import type { OutboxEmail } from '../../local/sandbox';
import { PASSWORD, databaseUser, returningMetadata } from '../sandbox/login-fixtures';
import { Browser, type Visit } from '../sandbox/oidc-fixtures';
import { outboxTo, startLinkingSetup, type LinkingSetup } from './linking-fixtures';

// The email change against the sandbox: the account service signed in with its client, its
// emails sent by SMTP (nodemailer) to the sandbox's SMTP ingress and read from the outbox's JSON
// API, the change made through the Management API. Every refusal changes nothing and, where the
// request is refused, sends nothing.

let setup: LinkingSetup;

beforeAll(async () => {
  setup = await startLinkingSetup();
});

afterAll(async () => {
  await setup?.close();
});

async function signedIn(email: string) {
  const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
  const login = await b.visit(`${setup.accountUrl}/profile`);
  await b.submit(login, '/u/login', { email, password: PASSWORD });
  const profile = await b.visit(`${setup.accountUrl}/profile`);
  expect(profile.url).toBe(`${setup.accountUrl}/profile`);
  const form = await b.visit(`${setup.accountUrl}/profile/email`);
  return { b, profile, form };
}

const requestChange = (b: Browser, form: Visit, email: string) => b.submit(form, '/profile/email', { email });

async function onlyMailTo(address: string): Promise<OutboxEmail> {
  const mails = await outboxTo(setup, address);
  expect(mails).toHaveLength(1);
  return mails[0] as OutboxEmail;
}

const stored = (userId: string) => setup.ctx.sandbox.store.users.require(userId);

describe('the email change', () => {
  test('a link to the new address; GET changes nothing, the POST changes it once; the old address told', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'change-old@example.com', {
      app_metadata: returningMetadata(),
      user_metadata: { preferred_language: 'fr' },
    });
    const { b, profile, form } = await signedIn('change-old@example.com');
    expect(profile.html).toContain('href="/profile/email"');
    const answer = await requestChange(b, form, 'Change-New@Example.COM');
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('id="email-sent"');

    // Domain lower-cased, local part as typed; in the user's preferred language, with a text part.
    const mail = await onlyMailTo('change-new@example.com');
    expect(mail).toMatchObject({
      template: 'smtp',
      to: 'Change-New@example.com',
      from: '"Acme Account" <account@acme.example>',
    });
    expect(mail.subject).toBe('Confirmez votre nouvelle adresse e-mail');
    expect(mail.url?.startsWith(`${setup.accountUrl}/profile/email/confirm?token=`)).toBe(true);
    // The token names the new address but carries the current one only as a keyed hash.
    const payload = Buffer.from(new URL(mail.url ?? '').searchParams.get('token')?.split('.')[1] ?? '', 'base64url');
    expect(payload.toString()).not.toContain('change-old');

    const confirmPage = await b.visit(mail.url ?? '');
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.html).toContain('Change-New@example.com');
    expect(stored(user.user_id).email).toBe('change-old@example.com');

    const done = await b.submit(confirmPage, '/profile/email/confirm', {});
    expect(done.status).toBe(200);
    expect(done.html).toContain('id="email-changed"');
    expect(stored(user.user_id)).toMatchObject({ email: 'change-new@example.com', email_verified: true });
    const shown = await b.visit(`${setup.accountUrl}/profile`);
    expect(shown.html).toContain('<p id="email">change-new@example.com</p>');

    const notice = await onlyMailTo('change-old@example.com');
    expect(notice.subject).toBe('Votre adresse e-mail a été changée');
    expect(notice.html).toContain('C***@e***.com');
    expect(notice.html.toLowerCase()).not.toContain('change-new');
    expect(notice.url).toBeUndefined();

    // The same link again: the email is no longer the one it was issued for.
    const again = await b.submit(confirmPage, '/profile/email/confirm', {});
    expect(again.status).toBe(409);
    expect(again.html).toContain('data-problem="outdated"');
    expect(stored(user.user_id).email).toBe('change-new@example.com');
    expect(await outboxTo(setup, 'change-old@example.com')).toHaveLength(1);
  });

  test('a link issued before another change no longer works', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'two-links@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('two-links@example.com');
    await requestChange(b, form, 'first-choice@example.com');
    await requestChange(b, form, 'second-choice@example.com');
    const first = await onlyMailTo('first-choice@example.com');
    const second = await onlyMailTo('second-choice@example.com');
    await b.submit(await b.visit(second.url ?? ''), '/profile/email/confirm', {});
    expect(stored(user.user_id).email).toBe('second-choice@example.com');
    const stale = await b.submit(await b.visit(first.url ?? ''), '/profile/email/confirm', {});
    expect(stale.html).toContain('data-problem="outdated"');
    expect(stored(user.user_id).email).toBe('second-choice@example.com');
  });

  test('a link issued before the email went away and came back (A→B→A) no longer works', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'round-trip-a@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('round-trip-a@example.com');
    await requestChange(b, form, 'round-trip-c@example.com');
    await requestChange(b, form, 'round-trip-b@example.com');
    const unused = await b.visit((await onlyMailTo('round-trip-c@example.com')).url ?? '');
    await b.submit(
      await b.visit((await onlyMailTo('round-trip-b@example.com')).url ?? ''),
      '/profile/email/confirm',
      {},
    );
    const back = await b.visit(`${setup.accountUrl}/profile/email`);
    await requestChange(b, back, 'round-trip-a@example.com');
    const [backLink] = await outboxTo(setup, 'round-trip-a@example.com');
    await b.submit(await b.visit(backLink?.url ?? ''), '/profile/email/confirm', {});
    expect(stored(user.user_id).email).toBe('round-trip-a@example.com');

    const stale = await b.submit(unused, '/profile/email/confirm', {});
    expect(stale.status).toBe(409);
    expect(stale.html).toContain('data-problem="outdated"');
    expect(stored(user.user_id).email).toBe('round-trip-a@example.com');
  });

  test('two links confirmed at the same time: one changes the email, the other is refused, one notice', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'racing@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('racing@example.com');
    await requestChange(b, form, 'racing-one@example.com');
    await requestChange(b, form, 'racing-two@example.com');
    const pages = [
      await b.visit((await onlyMailTo('racing-one@example.com')).url ?? ''),
      await b.visit((await onlyMailTo('racing-two@example.com')).url ?? ''),
    ];
    const answers = await Promise.all(pages.map((page) => b.submit(page, '/profile/email/confirm', {})));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const winner = answers[0]?.status === 200 ? 'racing-one@example.com' : 'racing-two@example.com';
    expect(stored(user.user_id).email).toBe(winner);
    expect(await outboxTo(setup, 'racing@example.com')).toHaveLength(1);
  });

  test('an address another account uses: the same answer, the mail says so without a link, nothing changed', async () => {
    databaseUser(setup.ctx.sandbox, 'taken@example.com', { app_metadata: returningMetadata() });
    const user = databaseUser(setup.ctx.sandbox, 'wants-taken@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('wants-taken@example.com');
    const free = await requestChange(b, form, 'free-address@example.com');
    const taken = await requestChange(b, form, 'TAKEN@example.com');
    expect(taken.status).toBe(free.status);
    const sentText = (page: Visit) => /<p id="email-sent"[^>]*>([^<]*)<\/p>/.exec(page.html)?.[1];
    expect(sentText(taken)).toBe(sentText(free));
    expect(sentText(taken)).toBeDefined();
    const mail = await onlyMailTo('taken@example.com');
    expect(mail.subject).toBe('Your email address was not changed');
    expect(mail.html).toContain('another account already uses it');
    expect(mail.url).toBeUndefined();
    expect(stored(user.user_id).email).toBe('wants-taken@example.com');
  });

  test('an address a social user took after the link was sent: refused at the confirm, nothing changed', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'taken-later@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('taken-later@example.com');
    await requestChange(b, form, 'taken-meanwhile@example.com');
    const link = (await onlyMailTo('taken-meanwhile@example.com')).url ?? '';
    const confirmPage = await b.visit(link);
    // Auth0 refuses a taken address only within the same connection: this one is a Google user's.
    setup.ctx.sandbox.store.users.findOrCreateFromIdentity({
      connection: 'google-oauth2',
      identityId: 'taken-meanwhile',
      email: 'taken-meanwhile@example.com',
      email_verified: true,
    });
    const refused = await b.submit(confirmPage, '/profile/email/confirm', {});
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('data-problem="unusable"');
    expect(stored(user.user_id).email).toBe('taken-later@example.com');
    expect(await outboxTo(setup, 'taken-later@example.com')).toEqual([]);
  });

  test('a few emails a day per recipient, whoever asks: then the same answer and nothing sent', async () => {
    const victim = 'much-mailed@example.com';
    const senders = ['mailer-one@example.com', 'mailer-two@example.com'];
    for (const email of senders) databaseUser(setup.ctx.sandbox, email, { app_metadata: returningMetadata() });
    const one = await signedIn(senders[0] ?? '');
    const two = await signedIn(senders[1] ?? '');
    const answers: Visit[] = [];
    for (let i = 0; i < 3; i++) answers.push(await requestChange(one.b, one.form, victim));
    // Another account (each within its own 5 an hour): the recipient's budget is spent.
    answers.push(await requestChange(two.b, two.form, 'Much-Mailed@Example.com'));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.html).toContain('id="email-sent"');
    }
    expect(await outboxTo(setup, victim)).toHaveLength(3);
    // Another recipient is unaffected.
    await requestChange(two.b, two.form, 'other-recipient@example.com');
    expect(await outboxTo(setup, 'other-recipient@example.com')).toHaveLength(1);
  });

  test('no recent sign-in, a CSRF-less post, an invalid or oversized address, the same address: refused, nothing sent', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'bad-input@example.com', { app_metadata: returningMetadata() });
    const { b, form } = await signedIn('bad-input@example.com');
    const cases: [string, string][] = [
      ['not-an-address', 'invalid'],
      ['a@b', 'invalid'],
      ['two@@example.com', 'invalid'],
      ['space in@example.com', 'invalid'],
      ['line\r\nbreak@example.com', 'invalid'],
      [`${'x'.repeat(250)}@example.com`, 'too_long'],
      ['', 'missing'],
      ['BAD-INPUT@example.com', 'same'],
    ];
    for (const [email, problem] of cases) {
      const refused = await requestChange(b, form, email);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain(`data-problem="${problem}"`);
    }
    const forged = await b.visit(`${setup.accountUrl}/profile/email`, { email: 'forged@example.com' });
    expect(forged.status).toBe(403);

    setup.clock.offsetMs = 6 * 60_000;
    try {
      const stale = await requestChange(b, form, 'stale@example.com');
      expect(stale.status).toBe(401);
      expect(stale.html).toContain('data-problem="stale"');
      expect(stale.html).toContain('href="/profile/reauth"');
    } finally {
      setup.clock.offsetMs = 0;
    }
    for (const address of ['forged@example.com', 'stale@example.com', 'not-an-address', 'a@b'])
      expect(await outboxTo(setup, address)).toEqual([]);
    expect(stored(user.user_id).email).toBe('bad-input@example.com');
  });

  test('a user whose identity is a social one: refused, nothing sent, nothing changed', async () => {
    const b = new Browser(setup.ctx.caFetch.fetch, [setup.ctx.sandbox.url, setup.accountUrl]);
    const login = await b.visit(`${setup.accountUrl}/profile`);
    const socialLink = /href="([^"]*\/u\/social\/google-oauth2[^"]*)"/.exec(login.html)?.[1]?.replace(/&amp;/g, '&');
    const google = await b.visit(new URL(socialLink ?? '', login.url).toString());
    await b.submit(google, '/u/social/google-oauth2', {
      email: 'social-email@example.com',
      name: 'Social Only',
      email_verified: 'true',
    });
    const profile = await b.visit(`${setup.accountUrl}/profile`);
    expect(profile.html).not.toContain('href="/profile/email"');
    const page = await b.visit(`${setup.accountUrl}/profile/email`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('id="email-social"');
    expect(page.html).not.toContain('action="/profile/email"');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(profile.html)?.[1] ?? '';
    const refused = await b.visit(`${setup.accountUrl}/profile/email`, {
      _csrf: csrf,
      email: 'new-social@example.com',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('data-problem="social"');
    expect(await outboxTo(setup, 'new-social@example.com')).toEqual([]);
    const [user] = setup.ctx.sandbox.store.users.findByEmail('social-email@example.com');
    expect(user?.identities.map((identity) => identity.provider)).toEqual(['google-oauth2']);
  });

  test('an expired, a tampered link, or one for another signed-in user: refused, nothing changed', async () => {
    const user = databaseUser(setup.ctx.sandbox, 'links-owner@example.com', { app_metadata: returningMetadata() });
    databaseUser(setup.ctx.sandbox, 'links-other@example.com', { app_metadata: returningMetadata() });
    const owner = await signedIn('links-owner@example.com');
    await requestChange(owner.b, owner.form, 'links-new@example.com');
    const link = (await onlyMailTo('links-new@example.com')).url ?? '';
    const confirmPage = await owner.b.visit(link);

    // Another user signed in in this browser: neither the page nor a post with a valid CSRF token.
    const other = await signedIn('links-other@example.com');
    const otherPage = await other.b.visit(link);
    expect(otherPage.status).toBe(403);
    expect(otherPage.html).toContain('data-problem="otherUser"');
    const token = new URL(link).searchParams.get('token') ?? '';
    const otherPost = await other.b.visit(`${setup.accountUrl}/profile/email/confirm`, {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(other.form.html)?.[1] ?? '',
      token,
    });
    expect(otherPost.status).toBe(403);

    // Tampered: another address in the payload, the signature kept.
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, new_email: 'attacker@example.com' })).toString('base64url');
    const tampered = await owner.b.visit(
      `${setup.accountUrl}/profile/email/confirm?token=${[header, forged, signature].join('.')}`,
    );
    expect(tampered.status).toBe(400);
    expect(tampered.html).toContain('data-problem="invalid"');
    const tamperedPost = await owner.b.submit(confirmPage, '/profile/email/confirm', {
      token: [header, forged, signature].join('.'),
    });
    expect(tamperedPost.html).toContain('data-problem="invalid"');

    // 31 minutes later the link has expired (the page was opened in time).
    setup.clock.offsetMs = 31 * 60_000;
    try {
      const expired = await owner.b.submit(confirmPage, '/profile/email/confirm', {});
      expect(expired.status).toBe(400);
      expect(expired.html).toContain('data-problem="expired"');
    } finally {
      setup.clock.offsetMs = 0;
    }
    expect(stored(user.user_id).email).toBe('links-owner@example.com');
    // Without a sign-in: the fresh sign-in starts, back to the confirm page; nothing changed.
    const anonymous = await fetch(link, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/profile/reauth?return_to=%2Fprofile%2Femail%2Fconfirm');
    // And the owner can still use it, once.
    const done = await owner.b.submit(confirmPage, '/profile/email/confirm', {});
    expect(done.html).toContain('id="email-changed"');
    expect(stored(user.user_id).email).toBe('links-new@example.com');
  });
});

describe('the form page', () => {
  // Last in the file: it uses up this route's per-IP budget for the minute.
  test('GET /profile/email reads the Management API: limited per IP like the other routes', async () => {
    databaseUser(setup.ctx.sandbox, 'form-reads@example.com', { app_metadata: returningMetadata() });
    const { b } = await signedIn('form-reads@example.com');
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMITS.perIpPerMinute; i++)
      statuses.push((await b.visit(`${setup.accountUrl}/profile/email`)).status);
    expect(statuses).toContain(200);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("the sandbox's SMTP ingress", () => {
  test('one outbox entry per envelope recipient; a message over 1 MB refused and not stored', async () => {
    const transport = createTransport(setup.ctx.sandbox.smtpUrl);
    try {
      await transport.sendMail({
        from: 'Sender <sender@acme.example>',
        to: 'ingress-a@example.com',
        bcc: 'ingress-b@example.com',
        subject: 'Hello',
        text: 'Open https://example.com/first then https://example.com/second',
      });
      for (const to of ['ingress-a@example.com', 'ingress-b@example.com'])
        expect(await onlyMailTo(to)).toMatchObject({
          template: 'smtp',
          to,
          subject: 'Hello',
          url: 'https://example.com/first',
        });
      await expect(
        transport.sendMail({
          from: 'sender@acme.example',
          to: 'ingress-big@example.com',
          subject: 'Big',
          text: 'x'.repeat(1024 * 1024 + 1),
        }),
      ).rejects.toThrow();
      expect(await outboxTo(setup, 'ingress-big@example.com')).toEqual([]);
    } finally {
      transport.close();
    }
  });
});
