import * as client from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Outbox } from '../../local/sandbox/email';
import { OidcStore } from '../../local/sandbox/oidc';
import { PASSWORD, databaseUser, returningMetadata } from './login-fixtures';
import {
  discoverClient,
  Browser,
  CALLBACK,
  startAuthorization,
  startOidcSandbox,
  type Authorization,
  type OidcSandbox,
  type Visit,
} from './oidc-fixtures';

// Issue 10's bad input the other OIDC tests leave out: an authorization code exchanged after its
// lifetime, and oversized form fields and query parameters. Each gets an OAuth error or a clear
// error page that does not echo the value, and changes nothing.

const CODE_LIFETIME_MS = 10 * 60_000;

let ctx: OidcSandbox;
let rp: client.Configuration;
let outbox: Outbox;

beforeAll(async () => {
  ctx = await startOidcSandbox();
  rp = await discoverClient(ctx, ctx.rp.client_id, ctx.rp.client_secret);
  outbox = new Outbox(ctx.sandbox.store.db);
});

afterAll(async () => {
  await ctx?.close();
});

afterEach(() => {
  vi.useRealTimers();
});

const authorization = (extra: Record<string, string> = {}): Promise<Authorization> =>
  startAuthorization(rp, CALLBACK, extra);

function browser(): Browser {
  return new Browser(ctx.caFetch.fetch, ctx.sandbox.url);
}

/** Moves the sandbox's clock (it runs in this process) without waiting, timers left alone. */
function clockAt(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], now: ms });
}

describe('an expired authorization code', () => {
  test('is invalid_grant after its lifetime, issues nothing, and is dead afterwards; within it, it works', async () => {
    const user = databaseUser(ctx.sandbox, 'late@example.com', { app_metadata: returningMetadata() });
    const oidc = new OidcStore(ctx.sandbox.store.db);
    const b = browser();

    const late = await authorization();
    const page = await b.visit(late.url.toString());
    const done = await b.submit(page, '/u/login', { email: 'late@example.com', password: PASSWORD });
    const callback = new URL(done.leftTo ?? '');
    const issuedAt = Date.now();
    const exchange = (started: Authorization, at: URL): ReturnType<typeof client.authorizationCodeGrant> =>
      client.authorizationCodeGrant(rp, at, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });

    clockAt(issuedAt + CODE_LIFETIME_MS + 1_000);
    await expect(exchange(late, callback)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
    vi.useRealTimers();
    expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);
    const failures = ctx.sandbox.store.logs.search({
      filters: { type: 'feacft' },
      ascending: false,
      offset: 0,
      limit: 1,
    });
    expect(failures.logs[0]).toMatchObject({ type: 'feacft', description: 'Invalid authorization code' });
    // Back within the lifetime the code stays spent.
    await expect(exchange(late, callback)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(oidc.refreshTokensOf(user.user_id)).toEqual([]);

    // The SSO session answers a new authorization at once; its code still works a second before the end.
    const timely = await authorization();
    const answered = new URL((await b.visit(timely.url.toString())).leftTo ?? '');
    clockAt(Date.now() + CODE_LIFETIME_MS - 1_000);
    const tokens = await exchange(timely, answered);
    expect(tokens.claims()?.sub).toBe(user.user_id);
  });
});

/** How much the tenant holds that a refused form must not change. */
function footprint(): { users: number; logs: number; emails: number } {
  const { store } = ctx.sandbox;
  return {
    users: store.users.search({ offset: 0, limit: 1 }).total,
    logs: store.logs.search({ filters: {}, ascending: false, offset: 0, limit: 1 }).total,
    emails: outbox.list().length,
  };
}

function expectClearRefusal(answer: Visit, status: number, oversized: string): void {
  expect(answer.status).toBe(status);
  expect(answer.leftTo).toBeUndefined();
  expect(answer.html).toMatch(/too (long|large)/i);
  expect(answer.html).not.toContain(oversized.slice(0, 200));
}

describe('oversized form fields on the login pages', () => {
  const longEmail = `${'a'.repeat(330)}@example.com`;
  const longPassword = `Aa1!${'x'.repeat(5_000)}`;
  const hugeBody = 'z'.repeat(20 * 1024);
  const longName = 'n'.repeat(400);

  beforeAll(() => {
    databaseUser(ctx.sandbox, 'someone@example.com', { app_metadata: returningMetadata() });
  });

  test.each([
    ['/u/login', 'an email over 320 characters', { email: longEmail, password: PASSWORD }, longEmail, 400],
    [
      '/u/login',
      'a password over 128 characters',
      { email: 'someone@example.com', password: longPassword },
      longPassword,
      400,
    ],
    [
      '/u/login',
      'a body over 16 KB',
      { email: 'someone@example.com', password: PASSWORD, padding: hugeBody },
      hugeBody,
      413,
    ],
    ['/u/signup', 'an email over 320 characters', { email: longEmail, password: PASSWORD }, longEmail, 400],
    [
      '/u/signup',
      'a password over 128 characters',
      { email: 'new-long@example.com', password: longPassword },
      longPassword,
      400,
    ],
    [
      '/u/signup',
      'a body over 16 KB',
      { email: 'new-huge@example.com', password: PASSWORD, padding: hugeBody },
      hugeBody,
      413,
    ],
    ['/u/reset-password', 'an email over 320 characters', { email: longEmail }, longEmail, 400],
    ['/u/reset-password', 'a body over 16 KB', { email: 'someone@example.com', padding: hugeBody }, hugeBody, 413],
    ['/u/social/google-oauth2', 'an email over 320 characters', { email: longEmail }, longEmail, 400],
    [
      '/u/social/google-oauth2',
      'a name over 300 characters',
      { email: 'someone@example.com', name: longName },
      longName,
      400,
    ],
    [
      '/u/social/google-oauth2',
      'a body over 16 KB',
      { email: 'someone@example.com', padding: hugeBody },
      hugeBody,
      413,
    ],
  ] as const)(
    'POST %s with %s: a clear error page, nothing changed',
    async (path, _what, fields, oversized, status) => {
      const b = browser();
      const started = await authorization();
      const login = await b.visit(started.url.toString());
      const transaction = new URL(login.url).searchParams.get('state') ?? '';
      const page = await b.visit(`${ctx.sandbox.url}${path}?state=${encodeURIComponent(transaction)}`);
      expect(page.status).toBe(200);
      const before = footprint();
      const answer = await b.submit(page, path, fields);
      expectClearRefusal(answer, status, oversized);
      expect(answer.html).toContain('<h1>');
      expect(footprint()).toEqual(before);
    },
  );
});

describe('oversized query parameters on /authorize', () => {
  test.each([
    ['state', 10_000],
    ['login_hint', 10_000],
    ['state', 100_000],
    ['login_hint', 100_000],
  ])('a %s of %i characters: a clear error page, no login page, no redirect', async (name, length) => {
    const value = 'q'.repeat(length);
    const started = await authorization({ [name]: value });
    const before = footprint();
    const response = await ctx.caFetch.fetch(started.url.toString(), { headers: { accept: 'text/html' } });
    const html = await response.text();
    expect(response.status).toBe(length > 16_000 ? 431 : 400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(html).toMatch(/too (long|large)/i);
    expect(html).not.toContain(value.slice(0, 200));
    expect(footprint()).toEqual(before);
  });
});
