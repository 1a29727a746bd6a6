import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Client, OutboxEmail, Sandbox, User } from '../../local/sandbox';
import { call, deployToken, startTestSandbox } from './helpers';

/**
 * The sandbox's emails: the tenant's own templates (tenant/emailTemplates, tenant.yaml's subjects)
 * rendered per user and locale into the outbox, and the links they carry.
 */

let sandbox: Sandbox;
let token: string;
let app: Client;

const PASSWORD = 'Correct-Horse-42';
const NEW_PASSWORD = 'Brand-New-Secret-77';
const RESULT_URL = 'https://shop.example.com/account/email-verified';
const ACCEPT_HTML = { accept: 'text/html' };
const HTML = { headers: ACCEPT_HTML };
const enc = encodeURIComponent;

// The four templates as tenant/tenant.yaml deploys them (subjects copied from it).
const TENANT_YAML = readFileSync(join(__dirname, '../../tenant/tenant.yaml'), 'utf8');
const subjectOf = (template: string): string => {
  const entry = TENANT_YAML.split('- template: ').find((part) => part.startsWith(template))!;
  return JSON.parse(/subject: (".*")/.exec(entry)![1]!) as string;
};
const body = (template: string): string =>
  readFileSync(join(__dirname, `../../tenant/emailTemplates/${template}.html`), 'utf8');

function createUser(
  email: string,
  extra: Partial<Pick<User, 'user_metadata' | 'name' | 'given_name'>> & { email_verified?: boolean } = {},
): User {
  return sandbox.store.users.create({
    connection: 'customers',
    email,
    password: PASSWORD,
    email_verified: false,
    ...extra,
  });
}

async function outbox(to: string): Promise<OutboxEmail[]> {
  const result = await call<OutboxEmail[]>(sandbox, 'GET', `/sandbox/outbox.json?to=${enc(to)}`, { token });
  expect(result.status).toBe(200);
  return result.body;
}

async function sendVerification(user: User): Promise<OutboxEmail> {
  const job = await call(sandbox, 'POST', '/api/v2/jobs/verification-email', {
    token,
    body: { user_id: user.user_id, client_id: app.client_id },
  });
  expect(job.status).toBe(201);
  const [email] = await outbox(user.email!);
  expect(email?.template).toBe('verify_email');
  return email!;
}

const path = (url: string): string => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
const ticketOf = (url: string): string => new URL(url).searchParams.get('ticket')!;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  token = await deployToken(sandbox);
  const { store } = sandbox;
  app = store.clients.create({
    name: 'Customer Web App',
    app_type: 'regular_web',
    grant_types: ['password'],
    callbacks: ['https://shop.example.com/callback'],
  });
  store.connections.create({
    name: 'customers',
    strategy: 'auth0',
    enabled_clients: [app.client_id],
    options: { passwordPolicy: 'good', password_complexity_options: { min_length: 12 }, brute_force_protection: true },
  });
  store.tenant.updateSettings({
    friendly_name: 'Sample Shop',
    support_email: 'help@shop.example.com',
    support_url: 'https://shop.example.com/help',
  });
  store.tenant.createEmailProvider({ name: 'smtp', enabled: true, default_from_address: 'no-reply@shop.example.com' });
  for (const template of ['verify_email', 'reset_email', 'welcome_email', 'blocked_account']) {
    store.emailTemplates.create({
      template,
      enabled: true,
      syntax: 'liquid',
      from: '{{ friendly_name }} <no-reply@shop.example.com>',
      subject: subjectOf(template),
      body: body(template),
      ...(template === 'verify_email'
        ? { resultUrl: RESULT_URL, includeEmailInRedirect: false, urlLifetimeInSeconds: 86400 }
        : {}),
      ...(template === 'reset_email'
        ? { resultUrl: 'https://shop.example.com/account/password-changed', urlLifetimeInSeconds: 3600 }
        : {}),
    });
  }
});

afterAll(async () => {
  await sandbox.close();
});

describe('sending: POST /jobs/verification-email', () => {
  test('renders the tenant template per user and locale, with the tenant settings and a working link', async () => {
    const en = createUser('jane@example.com', { given_name: 'Jane' });
    const fr = createUser('anne@example.com', { user_metadata: { preferred_language: 'fr-CA', given_name: 'Anne' } });
    const english = await sendVerification(en);
    expect(english).toMatchObject({
      to: 'jane@example.com',
      from: 'Sample Shop <no-reply@shop.example.com>',
      subject: 'Verify your email address',
      resultUrl: RESULT_URL,
      urlLifetimeInSeconds: 86400,
      user_id: en.user_id,
    });
    expect(english.error).toBeUndefined();
    expect(english.url).toMatch(
      new RegExp(`^https://${sandbox.domain.replace('.', '\\.')}/u/email-verification\\?ticket=[A-Za-z0-9]{32}#$`),
    );
    expect(english.html).toContain(`<a href="${english.url}"`);
    expect(english.html).toContain('Hello Jane,');
    expect(english.html).toContain('your Sample Shop account');
    expect(english.html).toContain('Contact us at help@shop.example.com or visit https://shop.example.com/help.');
    const ticket = sandbox.store.tickets.ticket(ticketOf(english.url!))!;
    expect(Date.parse(ticket.expires_at) - Date.parse(ticket.created_at)).toBe(86400 * 1000);

    const french = await sendVerification(fr);
    expect(french.subject).toBe('Confirmez votre adresse e-mail');
    expect(french.html).toContain('<html lang="fr">');
    expect(french.html).toContain('Bonjour Anne,');
  });

  test('values the user controls stay escaped where the template escapes them', async () => {
    const user = createUser('mallory@example.com', { user_metadata: { given_name: '<img src=x onerror=alert(1)>' } });
    const email = await sendVerification(user);
    expect(email.html).toContain('Hello &lt;img src=x onerror=alert(1)&gt;,');
    expect(email.html).not.toContain('<img src=x');
  });

  test('a template that does not render is an error in the outbox, not a crash', async () => {
    const original = sandbox.store.emailTemplates.get('verify_email')!;
    sandbox.store.emailTemplates.update('verify_email', { body: '<p>{{ url | shout }}</p>' });
    try {
      const user = createUser('broken@example.com');
      const email = await sendVerification(user);
      expect(email).toMatchObject({ html: '', subject: '', error: 'body: undefined filter: shout, line:1, col:4' });
      const page = await call<string>(sandbox, 'GET', `/sandbox/outbox?to=${enc('broken@example.com')}`, {
        token,
        ...HTML,
      });
      expect(page.body).toContain('render error: body: undefined filter: shout');
    } finally {
      sandbox.store.emailTemplates.update('verify_email', { body: original.body });
    }
  });

  test("a disabled template sends nothing; an undeployed one sends Auth0's default", async () => {
    sandbox.store.emailTemplates.update('verify_email', { enabled: false });
    const silent = createUser('silent@example.com');
    expect(
      (await call(sandbox, 'POST', '/api/v2/jobs/verification-email', { token, body: { user_id: silent.user_id } }))
        .status,
    ).toBe(201);
    expect(await outbox('silent@example.com')).toEqual([]);
    sandbox.store.emailTemplates.update('verify_email', { enabled: true });

    const user = createUser('fresh@example.com');
    sandbox.store.tenant.deleteEmailProvider();
    try {
      const email = await sendVerification(user);
      // Without a custom provider Auth0 ignores the custom templates.
      expect(email).toMatchObject({ subject: 'Verify your email', urlLifetimeInSeconds: 432000 });
      expect(email.html).toContain(email.url);
    } finally {
      sandbox.store.tenant.createEmailProvider({
        name: 'smtp',
        enabled: true,
        default_from_address: 'no-reply@shop.example.com',
      });
    }
  });
});

describe('sending: POST /users', () => {
  test('a database user gets verify_email unless the email is verified; verify_email decides either way', async () => {
    const create = async (email: string, extra: Record<string, unknown>): Promise<string[]> => {
      const created = await call(sandbox, 'POST', '/api/v2/users', {
        token,
        body: { connection: 'customers', email, password: PASSWORD, ...extra },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return (await outbox(email)).map((email) => email.template);
    };
    expect(await create('created-default@example.com', {})).toEqual(['verify_email']);
    expect(await create('created-unverified@example.com', { email_verified: false })).toEqual(['verify_email']);
    expect(await create('created-verified@example.com', { email_verified: true })).toEqual([]);
    expect(await create('created-quiet@example.com', { verify_email: false })).toEqual([]);
    expect(await create('created-forced@example.com', { email_verified: true, verify_email: true })).toEqual([
      'verify_email',
    ]);

    // The link verifies the user (and welcomes them), as the job's link does.
    const [email] = await outbox('created-default@example.com');
    expect((await call(sandbox, 'GET', path(email!.url!), HTML)).status).toBeLessThan(400);
    expect((await outbox('created-default@example.com')).map((sent) => sent.template)).toEqual([
      'welcome_email',
      'verify_email',
    ]);
  });
});

describe('the verification link', () => {
  test('sets email_verified, welcomes the user, goes to the resultUrl (no email in it), and works once', async () => {
    const user = createUser('verify-me@example.com');
    const { url } = await sendVerification(user);
    const used = await call(sandbox, 'GET', path(url!), HTML);
    expect(used.status).toBe(302);
    const target = new URL(used.headers.location!);
    expect(`${target.origin}${target.pathname}`).toBe(RESULT_URL);
    expect(Object.fromEntries(target.searchParams)).toEqual({
      success: 'true',
      message: 'Your email was verified. You can continue using the application.',
    });
    expect(sandbox.store.users.require(user.user_id).email_verified).toBe(true);
    const [welcome] = await outbox('verify-me@example.com');
    expect(welcome).toMatchObject({ template: 'welcome_email', subject: 'Welcome to Sample Shop' });

    const again = await call<string>(sandbox, 'GET', path(url!), HTML);
    expect(again.status).toBe(410);
    expect(again.body).toContain('Link already used');
    expect((await outbox('verify-me@example.com')).filter((e) => e.template === 'welcome_email')).toHaveLength(1);
  });

  test('forged and expired links change nothing and say why', async () => {
    const user = createUser('expired@example.com');
    for (const forged of ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '../../etc', '"><script>alert(1)</script>']) {
      const page = await call<string>(sandbox, 'GET', `/u/email-verification?ticket=${enc(forged)}`, HTML);
      expect(page.status).toBe(404);
      expect(page.body).toContain('Invalid link');
      expect(page.body).not.toContain('<script>alert');
    }
    const expired = sandbox.store.tickets.createTicket('email_verification', user.user_id, 0);
    const page = await call<string>(sandbox, 'GET', `/u/email-verification?ticket=${expired.id}`, HTML);
    expect(page.status).toBe(410);
    expect(page.body).toContain('Link expired');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(sandbox.store.users.require(user.user_id).email_verified).toBe(false);
  });

  test('a Management API verification ticket returns the link and sends no email; includeEmailInRedirect defaults to true', async () => {
    const user = createUser('ticketed@example.com');
    const created = await call<{ ticket: string }>(sandbox, 'POST', '/api/v2/tickets/email-verification', {
      token,
      body: { user_id: user.user_id, result_url: 'https://shop.example.com/done?from=ticket' },
    });
    expect(created.status).toBe(201);
    expect(await outbox('ticketed@example.com')).toEqual([]);
    const used = await call(sandbox, 'GET', path(created.body.ticket), HTML);
    expect(Object.fromEntries(new URL(used.headers.location!).searchParams)).toEqual({
      from: 'ticket',
      email: 'ticketed@example.com',
      success: 'true',
      message: 'Your email was verified. You can continue using the application.',
    });
  });
});

describe('the password change link', () => {
  async function resetTicket(user: User, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await call<{ ticket: string }>(sandbox, 'POST', '/api/v2/tickets/password-change', {
      token,
      body: { user_id: user.user_id, result_url: 'https://shop.example.com/account/password-changed', ...extra },
    });
    expect(created.status).toBe(201);
    return created.body.ticket;
  }
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    call<string>(sandbox, 'POST', '/u/reset-verify', { form: fields, headers: { accept: 'text/html', ...headers } });

  test('opens a change-password page stating the connection policy; a weak password is refused and the link still works', async () => {
    const user = createUser('reset@example.com');
    const link = await resetTicket(user);
    expect(await outbox('reset@example.com')).toEqual([]);
    const page = await call<string>(sandbox, 'GET', path(link), HTML);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("form-action 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('<li>At least 12 characters</li>');
    expect(page.body).toContain(`name="ticket" value="${ticketOf(link)}"`);

    const weak = await post({ ticket: ticketOf(link), newPassword: 'short1A!', confirmNewPassword: 'short1A!' });
    expect(weak.status).toBe(400);
    expect(weak.body).toContain('This password does not meet the requirements below.');
    const mismatch = await post({
      ticket: ticketOf(link),
      newPassword: NEW_PASSWORD,
      confirmNewPassword: `${NEW_PASSWORD}x`,
    });
    expect(mismatch.body).toContain('The two passwords are not the same.');
    expect(sandbox.store.tickets.usable(ticketOf(link), 'password_change').ok).toBe(true);
  });

  test('a new password logs in through POST /sandbox/login, the old one no longer does, and the link is then spent', async () => {
    const user = createUser('newpass@example.com');
    sandbox.store.users.addBlock(user.user_id, {
      identifier: 'newpass@example.com',
      connection: 'customers',
      ip: '203.0.113.9',
    });
    const link = await resetTicket(user, { mark_email_as_verified: true, includeEmailInRedirect: false });
    const done = await post({ ticket: ticketOf(link), newPassword: NEW_PASSWORD, confirmNewPassword: NEW_PASSWORD });
    expect(done.status).toBe(302);
    expect(Object.fromEntries(new URL(done.headers.location!).searchParams)).toEqual({
      success: 'true',
      message: 'You can now login to the application with the new password.',
    });
    const after = sandbox.store.users.require(user.user_id);
    expect(after.email_verified).toBe(true);
    // A password change lifts brute-force blocks.
    expect(sandbox.store.users.blocks(user.user_id)).toEqual([]);

    const login = (password: string) =>
      call<{ outcome?: string; error?: string }>(sandbox, 'POST', '/sandbox/login', {
        token,
        body: { client: app.name, connection: 'customers', flow: 'password', email: 'newpass@example.com', password },
      });
    expect((await login(NEW_PASSWORD)).body).toMatchObject({ outcome: 'allowed' });
    expect((await login(PASSWORD)).body).toMatchObject({ outcome: 'denied', error: 'invalid_grant' });

    const reused = await post({
      ticket: ticketOf(link),
      newPassword: 'Another-Secret-88',
      confirmNewPassword: 'Another-Secret-88',
    });
    expect(reused.status).toBe(410);
    expect(reused.body).toContain('Link already used');
    expect((await call<string>(sandbox, 'GET', path(link), HTML)).status).toBe(410);
  });

  test('only the newest link works; forged, expired, cross-site and oversized requests get an error page', async () => {
    const user = createUser('edge@example.com');
    const older = await resetTicket(user);
    const newer = await resetTicket(user);
    expect((await call<string>(sandbox, 'GET', path(older), HTML)).body).toContain('Link already used');
    expect((await call<string>(sandbox, 'GET', path(newer), HTML)).status).toBe(200);

    const forged = await post({
      ticket: 'BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      newPassword: NEW_PASSWORD,
      confirmNewPassword: NEW_PASSWORD,
    });
    expect(forged.status).toBe(404);
    expect(forged.body).toContain('Invalid link');

    const expired = sandbox.store.tickets.createTicket('password_change', user.user_id, 0);
    const late = await post({ ticket: expired.id, newPassword: NEW_PASSWORD, confirmNewPassword: NEW_PASSWORD });
    expect(late.status).toBe(410);
    expect(late.body).toContain('Link expired');

    const fresh = await resetTicket(user);
    const crossSite = await post(
      { ticket: ticketOf(fresh), newPassword: NEW_PASSWORD, confirmNewPassword: NEW_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('This form can only be sent from its own page.');

    const long = 'Aa1!'.repeat(300);
    const tooLong = await post({ ticket: ticketOf(fresh), newPassword: long, confirmNewPassword: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('The password is too long (at most 1024 characters).');
    const huge = await post({ ticket: ticketOf(fresh), newPassword: 'x'.repeat(20_000), confirmNewPassword: 'x' });
    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toContain('text/html');
    expect(huge.body).toContain('The form sent is too large.');

    expect(sandbox.store.tickets.usable(ticketOf(fresh), 'password_change').ok).toBe(true);
    expect(sandbox.store.users.verifyDatabasePassword('customers', 'edge@example.com', PASSWORD)?.user_id).toBe(
      user.user_id,
    );
  });
});

describe('brute-force protection with user_notification', () => {
  test('a block sends blocked_account (once an hour per IP) whose link unblocks the account, once', async () => {
    sandbox.store.tenant.updateAttackProtection('brute-force-protection', {
      enabled: true,
      shields: ['block', 'user_notification'],
      mode: 'count_per_identifier_and_ip',
      max_attempts: 3,
    });
    try {
      createUser('target@example.com', { user_metadata: { preferred_language: 'fr' } });
      const login = (password: string) =>
        call<{ outcome?: string; error?: string }>(sandbox, 'POST', '/sandbox/login', {
          token,
          body: {
            client: app.name,
            connection: 'customers',
            flow: 'password',
            email: 'target@example.com',
            password,
            ip: '198.51.100.23',
          },
        });
      for (let i = 0; i < 3; i += 1)
        expect((await login('wrong-password')).body).toMatchObject({ error: 'invalid_grant' });
      expect((await login(PASSWORD)).body).toMatchObject({ outcome: 'denied', error: 'too_many_attempts' });
      const [email] = await outbox('target@example.com');
      expect(email).toMatchObject({ template: 'blocked_account', subject: 'Votre compte a été bloqué' });
      expect(email!.url).toMatch(
        new RegExp(`^https://${sandbox.domain.replace('.', '\\.')}/u/unblock\\?ticket=[A-Za-z0-9]{32}#$`),
      );
      expect(email!.html).toContain(`<a href="${email!.url}"`);

      const unblocked = await call<string>(sandbox, 'GET', path(email!.url!), HTML);
      expect(unblocked.status).toBe(200);
      expect(unblocked.body).toContain('Account unblocked');
      expect((await login(PASSWORD)).body).toMatchObject({ outcome: 'allowed' });
      expect((await call<string>(sandbox, 'GET', path(email!.url!), HTML)).status).toBe(410);

      // Blocked again from the same IP within the hour: no second email.
      for (let i = 0; i < 3; i += 1) await login('wrong-password');
      expect((await login(PASSWORD)).body).toMatchObject({ error: 'too_many_attempts' });
      expect((await outbox('target@example.com')).filter((e) => e.template === 'blocked_account')).toHaveLength(1);
    } finally {
      sandbox.store.tenant.updateAttackProtection('brute-force-protection', { enabled: false });
    }
  });
});

describe('the outbox', () => {
  test('is for the deploy client only: Bearer token, or HTTP Basic with its id and secret for a browser', async () => {
    const anonymous = await call(sandbox, 'GET', '/sandbox/outbox.json');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await call(sandbox, 'GET', '/sandbox/outbox', HTML)).status).toBe(401);
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${sandbox.deployClient.client_id}:${secret}`).toString('base64')}`;
    expect(
      (await call(sandbox, 'GET', '/sandbox/outbox', { headers: { ...ACCEPT_HTML, authorization: basic('wrong') } }))
        .status,
    ).toBe(401);
    const page = await call<string>(sandbox, 'GET', '/sandbox/outbox', {
      headers: { ...ACCEPT_HTML, authorization: basic(sandbox.deployClient.client_secret) },
    });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });

  test('lists newest first, filters by recipient, escapes what it shows, and serves each email sandboxed', async () => {
    const original = sandbox.store.emailTemplates.get('welcome_email')!;
    sandbox.store.emailTemplates.update('welcome_email', { subject: 'Hi {{ user.name }}' });
    try {
      await sendVerification(createUser('someone-else@example.com'));
      const user = createUser('Outbox@Example.com', { name: '<b>Bold</b>' });
      const { url } = await sendVerification(user);
      await call(sandbox, 'GET', path(url!), HTML);
      const emails = await outbox('outbox@example.COM');
      expect(emails.map((e) => e.template)).toEqual(['welcome_email', 'verify_email']);
      const all = await call<OutboxEmail[]>(sandbox, 'GET', '/sandbox/outbox.json', { token });
      expect(all.body.length).toBeGreaterThan(emails.length);
      const page = await call<string>(sandbox, 'GET', `/sandbox/outbox?to=${enc('outbox@example.com')}`, {
        token,
        ...HTML,
      });
      expect(page.body).toContain('Hi &lt;b&gt;Bold&lt;/b&gt;');
      expect(page.body).not.toContain('<b>Bold</b>');
      const one = await call<string>(sandbox, 'GET', `/sandbox/outbox/${emails[1]!.id}`, { token, ...HTML });
      expect(one.body).toBe(emails[1]!.html);
      expect(one.headers['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
      expect((await call(sandbox, 'GET', '/sandbox/outbox.json?to=a&extra=1', { token })).status).toBe(400);
    } finally {
      sandbox.store.emailTemplates.update('welcome_email', { subject: original.subject });
    }
  });
});
