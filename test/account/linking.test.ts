import jwt from 'jsonwebtoken';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSessionToken } from '../../local/runtime';
import { buildApp, CONTINUE_URL, field, SECRET, sessionCookie } from './helpers';

// The linking page in-process (fastify.inject): everything up to the nested login, which needs a
// tenant (linking.sandbox.test.ts), and every bad input on the way, none of which signs anything.

const LINKING_SECRET = 'a-linking-session-token-secret-of-32-bytes';
const BASE_URL = 'https://account.test';
const SUB = 'google-oauth2|1122334455';
const STATE = 'state-of-login-1';
const CANDIDATES = [{ user_id: 'auth0|64f0c0ffee0000000000aaaa', connection: 'customers', provider: 'auth0' }];

function actionToken(
  options: { secret?: string; nowMs?: number; payload?: Record<string, unknown>; expiresInSeconds?: number } = {},
): string {
  return signSessionToken({
    secret: options.secret ?? LINKING_SECRET,
    subject: SUB,
    state: 'ignored',
    expiresInSeconds: options.expiresInSeconds ?? 600,
    payload: (options.payload ?? { candidates: CANDIDATES }) as never,
    nowMs: options.nowMs,
  });
}

function linkingApp(now?: () => number): Promise<FastifyInstance> {
  return buildApp(
    {
      accountClient: { baseUrl: BASE_URL, clientId: 'account-client', clientSecret: 'account-client-secret' },
      linkingSessionSecret: LINKING_SECRET,
    },
    now,
  );
}

/** No signed answer left the page: no form to /continue, no token verifying with the secret. */
function expectNothingSigned(response: LightMyRequestResponse): void {
  expect(response.body).not.toContain(CONTINUE_URL);
  for (const token of response.body.match(/[\w-]+\.[\w-]+\.[\w-]+/g) ?? []) {
    expect(() => jwt.verify(token, LINKING_SECRET, { algorithms: ['HS256'] })).toThrow();
  }
  // No proof of control started: no login cookie with a value.
  const cookies = response.headers['set-cookie'];
  for (const cookie of Array.isArray(cookies) ? cookies : [cookies ?? '']) {
    expect(cookie).not.toMatch(/^__Host-account-login=[^;]/);
  }
}

let app: FastifyInstance;
beforeEach(async () => {
  app = await linkingApp();
});
afterEach(async () => {
  await app.close();
});

async function open(token = actionToken(), state = STATE) {
  const response = await app.inject({ method: 'GET', url: '/link', query: { session_token: token, state } });
  return {
    response,
    token,
    cookie: response.statusCode === 200 ? sessionCookie(response) : '',
    csrf: field(response.body, '_csrf') ?? '',
  };
}

function post(page: { cookie: string; csrf: string }, fields: Record<string, string>, withCsrf = true) {
  return app.inject({
    method: 'POST',
    url: '/link',
    headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(withCsrf ? { _csrf: page.csrf } : {}), ...fields }).toString(),
  });
}

describe('GET /link', () => {
  it('lists the offered accounts by kind, without emails, with a strict CSP that lets the sign-in redirect on', async () => {
    const { response } = await open();
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Link your accounts');
    expect(response.body).toContain('Your account with a password');
    expect(response.body).not.toMatch(/@/);
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    // The proof's redirects go on to the account's identity provider (e.g. Google).
    expect(csp).not.toContain('form-action');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it.each([
    [
      'signed with another secret (forged)',
      () => actionToken({ secret: 'another-secret-of-at-least-32-characters' }),
      'Invalid link',
    ],
    ['signed with the consent page secret', () => actionToken({ secret: SECRET }), 'Invalid link'],
    ['expired', () => actionToken({ nowMs: Date.now() - 11 * 60_000 }), 'Link expired'],
    ['without candidates', () => actionToken({ payload: { terms_version: '2026-01' } }), 'Invalid link'],
    [
      'with a malformed candidate',
      () => actionToken({ payload: { candidates: [{ user_id: 'auth0|x' }] } }),
      'Invalid link',
    ],
    [
      'with too many candidates',
      () => actionToken({ payload: { candidates: Array(6).fill(CANDIDATES[0]) } }),
      'Invalid link',
    ],
    ['alg none', () => jwt.sign({ sub: SUB, candidates: CANDIDATES }, '', { algorithm: 'none' }), 'Invalid link'],
    ['garbage', () => 'not-a-token', 'Invalid link'],
  ])('a token %s: an error page, no form', async (_name, token, title) => {
    const { response } = await open(token());
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(title);
    expect(response.body).not.toContain('<form');
  });

  it('is not served when the account client is not configured', async () => {
    const plain = await buildApp();
    const response = await plain.inject({
      method: 'GET',
      url: '/link',
      query: { session_token: actionToken(), state: STATE },
    });
    expect(response.statusCode).toBe(404);
    await plain.close();
  });
});

describe('POST /link', () => {
  it("Don't link: signs exactly {declined: true} for the token's sub and the login's state", async () => {
    const page = await open();
    const response = await post(page, { session_token: page.token, state: STATE, answer: 'decline' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`action="${CONTINUE_URL}"`);
    expect(String(response.headers['content-security-policy'])).not.toContain('form-action');
    const signed = field(response.body, 'session_token') ?? '';
    const claims = jwt.verify(signed, LINKING_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ declined: true, sub: SUB, state: STATE });
    expect(claims.link_to).toBeUndefined();
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(300);
    expect(field(response.body, 'state')).toBe(STATE);
  });

  it('without the CSRF token: 403, nothing signed or started', async () => {
    const page = await open();
    const response = await post(page, { session_token: page.token, state: STATE, answer: 'decline' }, false);
    expect(response.statusCode).toBe(403);
    expectNothingSigned(response);
  });

  it('without the session cookie: 403, nothing signed or started', async () => {
    const page = await open();
    const response = await post(
      { cookie: '', csrf: page.csrf },
      { session_token: page.token, state: STATE, answer: 'decline' },
    );
    expect(response.statusCode).toBe(403);
    expectNothingSigned(response);
  });

  it('a candidate that was not offered: refused, no sign-in started', async () => {
    const page = await open();
    const response = await post(page, {
      session_token: page.token,
      state: STATE,
      answer: 'prove',
      candidate: 'auth0|someone-else',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Account not offered');
    expect(response.headers.location).toBeUndefined();
    expectNothingSigned(response);
  });

  it('a state this browser did not open the page with: "Page out of date", nothing signed', async () => {
    const page = await open();
    const response = await post(page, { session_token: page.token, state: 'another-login', answer: 'decline' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Page out of date');
    expectNothingSigned(response);
  });

  it('a token that expired while the page was open: "Link expired", nothing signed', async () => {
    let now = Date.now();
    await app.close();
    app = await linkingApp(() => now);
    const token = actionToken({ nowMs: now });
    const page = await open(token);
    now += 11 * 60_000;
    const response = await post(page, { session_token: token, state: STATE, answer: 'decline' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Link expired');
    expectNothingSigned(response);
  });

  it('the tenant unreachable when the sign-in starts: "Temporarily unavailable", nothing stored', async () => {
    const page = await open();
    const response = await post(page, {
      session_token: page.token,
      state: STATE,
      answer: 'prove',
      candidate: CANDIDATES[0]?.user_id ?? '',
    });
    expect(response.statusCode).toBe(503);
    expectNothingSigned(response);
  });
});

describe('GET /link/callback', () => {
  it('without a proof in progress (no login cookie, or a replay): "Page out of date", nothing signed', async () => {
    const response = await app.inject({ method: 'GET', url: '/link/callback', query: { code: 'x', state: 'y' } });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Page out of date');
    expectNothingSigned(response);
  });

  it('a tampered login cookie counts as none', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/link/callback',
      query: { code: 'x', state: 'y' },
      headers: { cookie: '__Host-account-login=AAAA;' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('Page out of date');
  });
});
