import jwt from 'jsonwebtoken';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signSessionToken } from '../../local/runtime';
import {
  answer,
  buildApp,
  CONTINUE_URL,
  field,
  openTerms,
  SECRET,
  sessionCookie,
  TENANT_ORIGIN,
  TERMS_VERSION,
} from './helpers';

// The consent page in-process (fastify.inject), with session tokens signed as the Action's are.

const SUB = 'auth0|64f0c0ffee0000000000aaaa';
const STATE = 'state-of-login-1';

/** What enforce-terms sends (its payload is `{terms_version}`; the runtime's signer adds a state claim, which the page ignores). */
function actionToken(options: { version?: string; secret?: string; nowMs?: number; sub?: string } = {}): string {
  return signSessionToken({
    secret: options.secret ?? SECRET,
    subject: options.sub ?? SUB,
    state: 'ignored',
    expiresInSeconds: 600,
    payload: { terms_version: options.version ?? TERMS_VERSION },
    nowMs: options.nowMs,
  });
}

/** No signed answer left the page: no form to /continue, no token verifying with the secret. */
function expectNothingSigned(body: string): void {
  expect(body).not.toContain(CONTINUE_URL);
  for (const candidate of body.match(/[\w-]+\.[\w-]+\.[\w-]+/g) ?? []) {
    expect(() => jwt.verify(candidate, SECRET, { algorithms: ['HS256'] })).toThrow();
  }
}

let app: FastifyInstance;
beforeEach(async () => {
  app = await buildApp();
});
afterEach(async () => {
  await app.close();
});

describe('GET /terms', () => {
  it('shows the versioned terms with a CSRF-protected form bound to the login', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    expect(page.response.body).toContain('data-version="2026-01"');
    expect(page.response.body).toContain('Acme Terms and Conditions — version 2026-01');
    expect(field(page.response.body, 'session_token')).toBe(token);
    expect(field(page.response.body, 'state')).toBe(STATE);
    // The page shows no personal data: not even the user id.
    expect(page.response.body).not.toContain(SUB);
  });

  it('sets the security headers and a strict cookie', async () => {
    const { response } = await openTerms(app, { session_token: actionToken(), state: STATE });
    const csp = String(response.headers['content-security-policy']);
    const scriptNonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    const styleNonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(response.body).toContain(`<style nonce="${styleNonce}">`);
    expect(scriptNonce).toMatch(/^[0-9a-f]{32}$/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`form-action 'self' ${TENANT_ORIGIN}`);
    expect(csp).toContain("base-uri 'none'");
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    const cookie = response.cookies.find((c) => c.name === '__Host-account');
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
    // A new nonce per response.
    const again = await app.inject({
      method: 'GET',
      url: '/terms',
      query: { session_token: actionToken(), state: STATE },
    });
    expect(again.headers['content-security-policy']).not.toBe(response.headers['content-security-policy']);
  });

  it('speaks the language of ui_locales, then Accept-Language, else English', async () => {
    const query = { session_token: actionToken(), state: STATE };
    const french = await openTerms(app, { ...query, ui_locales: 'fr-CA en' });
    expect(french.response.body).toContain('<html lang="fr">');
    expect(french.response.body).toContain('Conditions générales d’Acme');
    expect(field(french.response.body, 'ui_locales')).toBe('fr-CA en');
    expect((await openTerms(app, query, { 'accept-language': 'de-DE, fr;q=0.8' })).response.body).toContain(
      '<html lang="fr">',
    );
    expect((await openTerms(app, query, { 'accept-language': 'de-DE' })).response.body).toContain('<html lang="en">');
    expect((await openTerms(app, { ...query, ui_locales: 'en' }, { 'accept-language': 'fr' })).response.body).toContain(
      '<html lang="en">',
    );
  });

  it('escapes what comes from the URL', async () => {
    const state = '"><script>alert(1)</script>';
    const { response } = await openTerms(app, { session_token: actionToken(), state, ui_locales: '"><b>' });
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).not.toContain('"><b>');
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it.each([
    [
      'signed with another secret',
      () => actionToken({ secret: 'another-secret-of-at-least-32-characters' }),
      400,
      'invalidLink',
    ],
    ['expired', () => actionToken({ nowMs: Date.now() - 11 * 60_000 }), 400, 'expired'],
    ['not a JWT', () => 'not-a-token', 400, 'invalidLink'],
    [
      'unsigned (alg none)',
      () => jwt.sign({ sub: SUB, terms_version: TERMS_VERSION }, '', { algorithm: 'none' }),
      400,
      'invalidLink',
    ],
    [
      'without a terms version',
      () => signSessionToken({ secret: SECRET, subject: SUB, state: STATE }),
      400,
      'invalidLink',
    ],
    ['for a version with no content', () => actionToken({ version: '2099-01' }), 503, 'unavailable'],
  ])('a token %s gets an error page and no form', async (_name, token, status, kind) => {
    const response = await app.inject({
      method: 'GET',
      url: '/terms',
      query: { session_token: token(), state: STATE },
    });
    expect(response.statusCode).toBe(status);
    expect(response.body).toContain(`data-error="${kind}"`);
    expect(response.body).not.toContain('<form');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('without session_token or state: invalid link', async () => {
    for (const query of [{ state: STATE }, { session_token: actionToken() }, {}] as Record<string, string>[]) {
      const response = await app.inject({ method: 'GET', url: '/terms', query });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('data-error="invalidLink"');
    }
  });
});

describe('POST /terms', () => {
  it('signs exactly what enforce-terms reads, for the same sub and state, and auto-posts it to /continue', async () => {
    const page = await openTerms(app, { session_token: actionToken(), state: STATE });
    // Another token than the one the page was opened with, for the same state.
    const response = await answer(app, page, {
      session_token: actionToken({ sub: 'auth0|someone-else' }),
      state: STATE,
      answer: 'accept',
    });
    expect(response.body).toContain('data-error="mismatch"');
    const token = field(page.response.body, 'session_token') ?? '';
    const accepted = await answer(app, page, { session_token: token, state: STATE, answer: 'accept' });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.body).toContain(`<form id="continue" method="post" action="${CONTINUE_URL}">`);
    const csp = String(accepted.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    // No form-action here: browsers apply it to /continue's redirect to the application (see web.ts).
    expect(csp).not.toContain('form-action');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(accepted.body).toContain(`<script nonce="${nonce}">document.getElementById('continue').submit();</script>`);
    expect(field(accepted.body, 'state')).toBe(STATE);
    const claims = jwt.verify(field(accepted.body, 'session_token') ?? '', SECRET, {
      algorithms: ['HS256'],
    }) as jwt.JwtPayload;
    const { iat, exp, ...payload } = claims;
    expect(payload).toEqual({ accepted: true, terms_version: TERMS_VERSION, sub: SUB, state: STATE });
    expect((exp ?? 0) - (iat ?? 0)).toBe(300);
  });

  it('a decline is signed as accepted: false', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const declined = await answer(app, page, { session_token: token, state: STATE, answer: 'decline' });
    expect(declined.statusCode).toBe(200);
    expect(jwt.verify(field(declined.body, 'session_token') ?? '', SECRET)).toMatchObject({
      accepted: false,
      terms_version: TERMS_VERSION,
      sub: SUB,
      state: STATE,
    });
  });

  it('another state than the page was opened with: error page, nothing signed', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const response = await answer(app, page, {
      session_token: token,
      state: 'state-of-another-login',
      answer: 'accept',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('data-error="mismatch"');
    expectNothingSigned(response.body);
  });

  it('the same answer twice in one browser: the second is refused (the pair is forgotten once signed)', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const first = await answer(app, page, { session_token: token, state: STATE, answer: 'accept' });
    expect(first.statusCode).toBe(200);
    const second = await answer(
      app,
      { ...page, cookie: sessionCookie(first) },
      { session_token: token, state: STATE, answer: 'accept' },
    );
    expect(second.body).toContain('data-error="mismatch"');
    expectNothingSigned(second.body);
  });

  it('two logins in two tabs of one browser both work', async () => {
    const tokenA = actionToken({ sub: 'auth0|a' });
    const tokenB = actionToken({ sub: 'auth0|b' });
    const pageA = await openTerms(app, { session_token: tokenA, state: 'state-a' });
    const pageB = await openTerms(app, { session_token: tokenB, state: 'state-b' }, { cookie: pageA.cookie });
    const a = await answer(app, pageB, { session_token: tokenA, state: 'state-a', answer: 'accept' });
    expect(jwt.verify(field(a.body, 'session_token') ?? '', SECRET)).toMatchObject({
      sub: 'auth0|a',
      state: 'state-a',
    });
    const b = await answer(app, pageB, { session_token: tokenB, state: 'state-b', answer: 'decline' });
    expect(jwt.verify(field(b.body, 'session_token') ?? '', SECRET)).toMatchObject({
      sub: 'auth0|b',
      state: 'state-b',
      accepted: false,
    });
  });

  it.each([
    ['a forged token', () => actionToken({ secret: 'another-secret-of-at-least-32-characters' }), 'invalidLink'],
    ['an expired token', () => actionToken({ nowMs: Date.now() - 11 * 60_000 }), 'expired'],
  ])('%s: error page, nothing signed', async (_name, token, kind) => {
    const page = await openTerms(app, { session_token: actionToken(), state: STATE });
    const response = await answer(app, page, { session_token: token(), state: STATE, answer: 'accept' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(`data-error="${kind}"`);
    expectNothingSigned(response.body);
  });

  it('a token that expires while the page is open: expired, nothing signed', async () => {
    let now = Date.now();
    const clocked = await buildApp({}, () => now);
    try {
      const token = actionToken({ nowMs: now });
      const page = await openTerms(clocked, { session_token: token, state: STATE });
      now += 601_000;
      const response = await answer(clocked, page, { session_token: token, state: STATE, answer: 'accept' });
      expect(response.body).toContain('data-error="expired"');
      expectNothingSigned(response.body);
    } finally {
      await clocked.close();
    }
  });

  it('without a CSRF token, with a wrong one, or without the session cookie: 403, nothing signed', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const fields = { session_token: token, state: STATE, answer: 'accept' };
    const form = (values: Record<string, string>, cookie?: string) =>
      app.inject({
        method: 'POST',
        url: '/terms',
        payload: new URLSearchParams(values).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      });
    const other = await openTerms(app, { session_token: actionToken(), state: 'other' });
    for (const response of [
      await form(fields, page.cookie),
      await form({ ...fields, _csrf: 'forged' }, page.cookie),
      await form({ ...fields, _csrf: page.csrf }),
      await form({ ...fields, _csrf: other.csrf }, page.cookie),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('data-error="forbidden"');
      expectNothingSigned(response.body);
    }
  });

  it('a version with no content is never accepted', async () => {
    // Opened while the content existed; the content folder of this instance lacks it.
    const token = actionToken({ version: '2099-01' });
    const page = await openTerms(app, { session_token: actionToken(), state: STATE });
    const response = await answer(app, page, { session_token: token, state: STATE, answer: 'accept' });
    expect(response.statusCode).toBe(503);
    expectNothingSigned(response.body);
  });

  it('an answer other than accept or decline: invalid, nothing signed', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const response = await answer(app, page, { session_token: token, state: STATE, answer: 'maybe' });
    expect(response.statusCode).toBe(400);
    expectNothingSigned(response.body);
  });

  it('limits posts per user and per address (per instance)', async () => {
    const token = actionToken();
    const page = await openTerms(app, { session_token: token, state: STATE });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1)
      statuses.push((await answer(app, page, { session_token: token, state: 'wrong', answer: 'accept' })).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses[10]).toBe(429);
    // Other users from the same address: the per-address limit (30 a minute) still applies.
    const fresh = await buildApp();
    try {
      const byAddress: number[] = [];
      for (let i = 0; i < 31; i += 1) {
        const userToken = actionToken({ sub: `auth0|user-${i}` });
        byAddress.push(
          (
            await answer(fresh, await openTerms(fresh, { session_token: userToken, state: STATE }), {
              session_token: userToken,
              state: 'wrong',
              answer: 'accept',
            })
          ).statusCode,
        );
      }
      expect(byAddress.slice(0, 30)).toEqual(Array(30).fill(400));
      expect(byAddress[30]).toBe(429);
    } finally {
      await fresh.close();
    }
  });

  it('X-Forwarded-For counts only from the configured load balancers', async () => {
    /** The status of the 31st post, each from a "different" forwarded address, as another user. */
    const thirtyFirst = async (trustProxy: false | string[]): Promise<number | undefined> => {
      const instance = await buildApp({ trustProxy });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 31; i += 1) {
          const headers = { 'x-forwarded-for': `203.0.113.${i}` };
          const userToken = actionToken({ sub: `auth0|user-${i}` });
          const page = await openTerms(instance, { session_token: userToken, state: STATE }, headers);
          const fields = { session_token: userToken, state: 'wrong', answer: 'accept' };
          statuses.push((await answer(instance, page, fields, headers)).statusCode);
        }
        return statuses[30];
      } finally {
        await instance.close();
      }
    };
    // A client cannot dodge the per-address limit by sending the header itself...
    expect(await thirtyFirst(false)).toBe(429);
    // ...and behind a trusted load balancer (inject connects from 127.0.0.1) the client's address counts.
    expect(await thirtyFirst(['127.0.0.1'])).toBe(400);
  });
});

describe('the rest of the service', () => {
  it('/healthz answers without a session', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.cookies).toEqual([]);
  });

  it('an unknown page is a 404 page with the same headers', async () => {
    const response = await app.inject({ method: 'GET', url: '/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('data-error="notFound"');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
