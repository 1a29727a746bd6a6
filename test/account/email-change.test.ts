import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { ConfigError, parseSmtpUrl, readAccountConfig } from '../../account/config';
import { maskAddress, normalizeAddress, sameAddress } from '../../account/profile/email-address';
import {
  deriveEmailLinkKeys,
  emailStateTag,
  EMAIL_LINK_SECONDS,
  signEmailLink,
  verifyEmailLink,
} from '../../account/profile/email-link';
import { addressChangedMail, addressTakenMail, confirmLinkMail } from '../../account/profile/email-mails';
import { EMAIL_CHANGE_MESSAGES } from '../../account/profile/email-messages';
import { createOneAtATime } from '../../account/profile/one-at-a-time';
import { firstLink } from '../../local/sandbox/email/smtp-ingress';

// The email change's pure parts: the address rules, the link token, the emails, the mail
// configuration; and how the sandbox's SMTP ingress finds a message's link.

const AUDIENCE = 'https://account.test/profile/email/confirm';
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('the new address', () => {
  test.each([
    ['  Ada.Lovelace@Example.COM ', 'Ada.Lovelace@example.com'],
    ['x+tag@sub.example.org', 'x+tag@sub.example.org'],
    ['user@bücher.example', 'user@xn--bcher-kva.example'],
  ])('%j is taken as %j', (typed, address) => {
    expect(normalizeAddress(typed)).toEqual({ ok: true, address });
  });

  test.each([
    ['', 'missing'],
    [undefined, 'missing'],
    [['a@example.com'], 'missing'],
    ['plain', 'invalid'],
    ['a@localhost', 'invalid'],
    ['a@127.0.0.1', 'invalid'],
    ['a@[127.0.0.1]', 'invalid'],
    ['.a@example.com', 'invalid'],
    ['a..b@example.com', 'invalid'],
    ['"quoted"@example.com', 'invalid'],
    ['a b@example.com', 'invalid'],
    ['a@exa mple.com', 'invalid'],
    ['a\n@example.com', 'invalid'],
    ['a@example.com\r\nBcc: x@example.com', 'invalid'],
    ['a@-example.com', 'invalid'],
    [`${'l'.repeat(65)}@example.com`, 'invalid'],
    [`a@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.com`, 'too_long'],
  ])('%j is refused: %s', (typed, problem) => {
    expect(normalizeAddress(typed)).toEqual({ ok: false, problem });
  });

  test('addresses compare case-insensitively; the notice masks all but the first letters and the suffix', () => {
    expect(sameAddress('Ada@Example.com', 'ada@example.com')).toBe(true);
    expect(sameAddress('ada@example.com', 'ada@example.org')).toBe(false);
    expect(maskAddress('ada.lovelace@example.co.uk')).toBe('a***@e***.uk');
    expect(maskAddress('x@host')).toBe('x***@h***');
  });
});

describe('the link token', () => {
  const keys = deriveEmailLinkKeys([randomBytes(32)]);
  const link = (overrides: Partial<Parameters<typeof signEmailLink>[1]> = {}) =>
    signEmailLink(keys, {
      sub: 'auth0|abc',
      newEmail: 'new@example.com',
      current: { email: 'Old@Example.com', nonce: 'n1' },
      audience: AUDIENCE,
      nowMs: NOW,
      ...overrides,
    });

  test('verifies for 30 minutes, bound to the user, the new address and the email state (not readable)', async () => {
    const token = await link();
    const result = await verifyEmailLink(keys, token, AUDIENCE, NOW + (EMAIL_LINK_SECONDS - 1) * 1000);
    expect(result.ok && result.claims).toEqual({
      sub: 'auth0|abc',
      newEmail: 'new@example.com',
      stateTag: emailStateTag(keys.sign, { email: 'old@example.com', nonce: 'n1' }),
    });
    // The same address after a change and back (another nonce) is another state.
    expect(emailStateTag(keys.sign, { email: 'old@example.com', nonce: 'n2' })).not.toBe(
      result.ok && result.claims.stateTag,
    );
    // The current address is only a keyed hash in it (whose base64 may contain any letters: look for the address).
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).not.toContain('old@example.com');
    expect(await verifyEmailLink(keys, token, AUDIENCE, NOW + (EMAIL_LINK_SECONDS + 1) * 1000)).toEqual({
      ok: false,
      problem: 'expired',
    });
  });

  test('another key, another audience, alg none, a foreign HS256 token, garbage: invalid', async () => {
    const token = await link();
    const otherKeys = deriveEmailLinkKeys([randomBytes(32)]);
    const invalid = { ok: false, problem: 'invalid' };
    expect(await verifyEmailLink(otherKeys, token, AUDIENCE, NOW)).toEqual(invalid);
    expect(await verifyEmailLink(keys, token, 'https://account.test/other', NOW)).toEqual(invalid);
    const unsecured = new UnsecuredJWT({ new_email: 'x@example.com', cur: 'x' })
      .setSubject('auth0|abc')
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .encode();
    expect(await verifyEmailLink(keys, unsecured, AUDIENCE, NOW)).toEqual(invalid);
    // Signed with the right key but not an email change link (no typ): refused.
    const untyped = await new SignJWT({ new_email: 'x@example.com', cur: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('auth0|abc')
      .setAudience(AUDIENCE)
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .sign(keys.sign);
    expect(await verifyEmailLink(keys, untyped, AUDIENCE, NOW)).toEqual(invalid);
    for (const garbage of [undefined, '', 'a.b.c', 'x'.repeat(5000), 42])
      expect(await verifyEmailLink(keys, garbage, AUDIENCE, NOW)).toEqual(invalid);
  });

  test('key rotation: a link signed with the previous first key still verifies, with that key', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = deriveEmailLinkKeys([oldKey]);
    const token = await signEmailLink(before, {
      sub: 'auth0|abc',
      newEmail: 'new@example.com',
      current: { email: 'old@example.com', nonce: '' },
      audience: AUDIENCE,
      nowMs: NOW,
    });
    const after = deriveEmailLinkKeys([newKey, oldKey]);
    const result = await verifyEmailLink(after, token, AUDIENCE, NOW);
    expect(
      result.ok && emailStateTag(result.key, { email: 'old@example.com', nonce: '' }) === result.claims.stateTag,
    ).toBe(true);
    // The link key is derived, not the cookie key itself.
    expect(Buffer.from(before.sign).equals(oldKey)).toBe(false);
  });
});

describe('one confirm at a time per user', () => {
  test('tasks of one key run one after another (a failed one too); other keys do not wait', async () => {
    const perUser = createOneAtATime();
    const events: string[] = [];
    const task =
      (name: string, fail = false) =>
      async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      perUser('a', task('a1', true)),
      perUser('a', task('a2')),
      perUser('b', task('b1')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(events.indexOf('a2 start')).toBeGreaterThan(events.indexOf('a1 end'));
    expect(events.indexOf('b1 start')).toBeLessThan(events.indexOf('a1 end'));
  });
});

describe('the emails', () => {
  test('the link, the taken note and the notice: escaped HTML and a text part; only the first has a link', () => {
    const en = EMAIL_CHANGE_MESSAGES.en;
    const url = 'https://account.test/profile/email/confirm?token=a.b&c';
    const linkMail = confirmLinkMail(en, 'new@example.com', url, 30);
    expect(linkMail.html).toContain('href="https://account.test/profile/email/confirm?token=a.b&amp;c"');
    expect(linkMail.text).toContain(url);
    expect(firstLink(linkMail.html, linkMail.text)).toBe(url);
    const taken = addressTakenMail(en, 'taken@example.com');
    expect(firstLink(taken.html, taken.text)).toBeUndefined();
    const notice = addressChangedMail(EMAIL_CHANGE_MESSAGES.fr, 'old@example.com', '<b>@example.com');
    expect(notice.html).toContain('&lt;***@e***.com');
    expect(notice.text).toContain('<***@e***.com');
    expect(firstLink(notice.html, notice.text)).toBeUndefined();
  });

  test('the ingress takes the first http(s) link of the HTML, else of the text', () => {
    expect(firstLink('<p><a class="x" href="https://a.test/?x=1&amp;y=2">go</a> <a href="https://b.test">', '')).toBe(
      'https://a.test/?x=1&y=2',
    );
    expect(firstLink('<a href="mailto:x@example.com">x</a>', 'see https://c.test/path then')).toBe(
      'https://c.test/path',
    );
    expect(firstLink(undefined, 'no link')).toBeUndefined();
  });
});

describe('the mail configuration', () => {
  const base = {
    AUTH0_DOMAIN: 'acme.eu.auth0.com',
    TERMS_SESSION_TOKEN_SECRET: 't'.repeat(32),
    ACCOUNT_SESSION_KEYS: randomBytes(32).toString('base64'),
    ACCOUNT_BASE_URL: 'https://account.acme.example',
    ACCOUNT_CLIENT_ID: 'client',
    ACCOUNT_CLIENT_SECRET: 'secret',
    LINKING_SESSION_TOKEN_SECRET: 'l'.repeat(32),
    ACCOUNT_MGMT_DOMAIN: 'acme.eu.auth0.com',
    ACCOUNT_MGMT_CLIENT_ID: 'm2m',
    ACCOUNT_MGMT_CLIENT_SECRET: 'm2m-secret',
  };
  const problems = (env: Record<string, string>): string[] => {
    try {
      readAccountConfig(env);
      return [];
    } catch (error) {
      return error instanceof ConfigError ? error.problems : ['not a ConfigError'];
    }
  };

  test('smtps, smtp with STARTTLS required, plain smtp on loopback only; no other option', () => {
    expect(parseSmtpUrl('smtps://user:p%40ss@mail.example.com')).toEqual({
      host: 'mail.example.com',
      port: 465,
      secure: true,
      requireTLS: false,
      auth: { user: 'user', pass: 'p@ss' },
    });
    expect(parseSmtpUrl('smtp://mail.example.com:2587?requireTLS=true')).toMatchObject({
      port: 2587,
      secure: false,
      requireTLS: true,
    });
    expect(parseSmtpUrl('smtp://127.0.0.1:2525')).toMatchObject({ host: '127.0.0.1', requireTLS: false });
    expect(parseSmtpUrl('smtp://[::1]:25')).toMatchObject({ host: '::1' });
    for (const refused of [
      'smtp://mail.example.com',
      'smtp://user:pass@mail.example.com:587',
      'smtp://mail.example.com?requireTLS=false',
      'smtps://mail.example.com?tls.rejectUnauthorized=false',
      'smtp://mail.example.com?requireTLS=true&ignoreTLS=true',
      'https://mail.example.com',
      'smtps://mail.example.com/path',
      'not a url',
    ])
      expect(parseSmtpUrl(refused)).toBeUndefined();
  });

  test('both variables or none, with the profile page; problems named, never the values', () => {
    const config = readAccountConfig({
      ...base,
      ACCOUNT_SMTP_URL: 'smtps://user:hunter2@mail.example.com',
      ACCOUNT_MAIL_FROM: 'Acme <no-reply@acme.example>',
    });
    expect(config.mail).toMatchObject({ from: 'Acme <no-reply@acme.example>', smtp: { host: 'mail.example.com' } });
    expect(readAccountConfig(base).mail).toBeUndefined();
    expect(problems({ ...base, ACCOUNT_SMTP_URL: 'smtps://mail.example.com' })).toEqual([
      'ACCOUNT_MAIL_FROM required with ACCOUNT_SMTP_URL (the email change needs all of them)',
    ]);
    const bad = problems({
      ...base,
      ACCOUNT_SMTP_URL: 'smtp://user:hunter2@mail.example.com',
      ACCOUNT_MAIL_FROM: 'a@b.example\r\nBcc: c@d.example',
    });
    expect(bad).toHaveLength(2);
    expect(bad.join('\n')).not.toContain('hunter2');
    const {
      ACCOUNT_MGMT_DOMAIN: _d,
      ACCOUNT_MGMT_CLIENT_ID: _i,
      ACCOUNT_MGMT_CLIENT_SECRET: _s,
      ...noManagement
    } = base;
    expect(
      problems({ ...noManagement, ACCOUNT_SMTP_URL: 'smtp://127.0.0.1:25', ACCOUNT_MAIL_FROM: 'a@acme.example' }),
    ).toEqual([
      'ACCOUNT_SMTP_URL and ACCOUNT_MAIL_FROM need the profile page (the linking and ACCOUNT_MGMT_* variables)',
    ]);
  });
});
