import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Outbox } from '../../local/sandbox/email';
import { databaseUser } from './login-fixtures';
import { startOidcSandbox, type OidcSandbox } from './oidc-fixtures';

// POST /dbconnections/change_password (Authentication API): reset_email for a known database
// user, the same answer and no email for an unknown one, a 400 for a bad client or connection.

const SENT = "We've just sent you an email to reset your password.";

let ctx: OidcSandbox;
let outbox: Outbox;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  outbox = new Outbox(ctx.sandbox.store.db);
  databaseUser(ctx.sandbox, 'refused@example.com');
});

afterAll(async () => {
  await ctx?.close();
});

async function changePassword(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await ctx.caFetch.fetch(`${ctx.sandbox.url}/dbconnections/change_password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe('POST /dbconnections/change_password', () => {
  test('a known email gets one reset_email whose link opens the change-password page', async () => {
    const user = databaseUser(ctx.sandbox, 'reset-me@example.com');
    const answer = await changePassword({
      client_id: ctx.rp.client_id,
      email: 'reset-me@example.com',
      connection: 'customers',
    });
    expect(answer).toEqual({ status: 200, text: SENT });
    const sent = outbox.list({ to: 'reset-me@example.com' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ template: 'reset_email', user_id: user.user_id });
    const page = await ctx.caFetch.fetch(sent[0]?.url ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Change your password');
  });

  test('a database user without a password (imported without hashes) gets reset_email too', async () => {
    ctx.sandbox.store.users.seed([
      { connection: 'customers', email: 'imported@example.com', email_verified: true, identityId: 'imported-1' },
    ]);
    const answer = await changePassword({
      client_id: ctx.rp.client_id,
      email: 'imported@example.com',
      connection: 'customers',
    });
    expect(answer).toEqual({ status: 200, text: SENT });
    expect(outbox.list({ to: 'imported@example.com' })).toMatchObject([
      { template: 'reset_email', user_id: 'auth0|imported-1' },
    ]);
  });

  test('an unknown email gets the same answer and nothing is sent', async () => {
    const answer = await changePassword({
      client_id: ctx.rp.client_id,
      email: 'nobody-at-all@example.com',
      connection: 'customers',
    });
    expect(answer).toEqual({ status: 200, text: SENT });
    expect(outbox.list({ to: 'nobody-at-all@example.com' })).toEqual([]);
  });

  test.each([
    ['an unknown client', { client_id: 'no-such-client', connection: 'customers' }, 'bad.client_id'],
    ['a social connection', { connection: 'google-oauth2' }, 'bad.connection'],
    ['an unknown connection', { connection: 'no-such-connection' }, 'bad.connection'],
    ['no email', { email: undefined }, 'bad.email'],
    ['an email that is not one', { email: 'not-an-email' }, 'bad.email'],
  ])('%s is refused with a 400', async (_name, change, code) => {
    const answer = await changePassword({
      client_id: ctx.rp.client_id,
      email: 'refused@example.com',
      connection: 'customers',
      ...change,
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      name: 'BadRequestError',
      code,
      description: expect.any(String),
      statusCode: 400,
    });
    expect(outbox.list({ to: 'refused@example.com' })).toEqual([]);
  });

  test('a connection not enabled for the client is refused', async () => {
    const other = ctx.sandbox.store.clients.create({ name: 'Unrelated', app_type: 'regular_web' });
    const answer = await changePassword({
      client_id: other.client_id,
      email: 'x@example.com',
      connection: 'customers',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'bad.connection' });
  });
});
