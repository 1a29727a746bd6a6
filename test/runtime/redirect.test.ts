import { describe, expect, it } from 'vitest';
import { buildEvent, runLogin, signSessionToken } from '../../local/runtime';
import { action, expectOutcome, login } from './helpers';

const SECRET = 'test-secret-at-least-32-bytes-long!!';
const redirecting = (onContinue: string) =>
  action(
    'r',
    'api.redirect.sendUserTo("https://pages.example/consent?lang=en", {query: {session_token: api.redirect.encodeToken({secret: event.secrets.S, payload: {purpose: "terms"}, expiresInSeconds: 600})}});',
    onContinue,
    { S: SECRET },
  );

describe('redirect round trip', () => {
  it('suspends after the Action, adds state to the URL, and resumes in the same Action without re-running earlier ones', async () => {
    const result = await login([
      action('before', 'api.idToken.setCustomClaim("before_runs", 1);'),
      action(
        'r',
        'api.user.setAppMetadata("asked", true); api.redirect.sendUserTo("https://pages.example/x", {query: {a: "1"}}); api.idToken.setCustomClaim("after_send", 1);',
        'api.idToken.setCustomClaim("sees_own_write", event.user.app_metadata.asked); api.idToken.setCustomClaim("method", event.request.method);',
      ),
      action('after', 'api.idToken.setCustomClaim("after", 1);'),
    ]);
    const redirect = expectOutcome(result, 'redirect');
    const url = new URL(redirect.url);
    expect(url.origin + url.pathname).toBe('https://pages.example/x');
    expect(url.searchParams.get('a')).toBe('1');
    expect(url.searchParams.get('state')).toBe(redirect.state);
    // Persisted before the browser leaves.
    expect(redirect.user.app_metadata).toEqual({ asked: true });
    expect(redirect.executed.map((e) => e.action)).toEqual(['before', 'r']);

    expect(redirect.persistedWrites).toEqual({ app_metadata: { asked: true }, user_metadata: {} });
    const done = expectOutcome(await redirect.continue({ method: 'POST', body: { state: redirect.state } }), 'allowed');
    // Each step reports what it persisted itself; the whole login's writes stay in appMetadataWrites.
    expect(done.persistedWrites).toEqual({ app_metadata: {}, user_metadata: {} });
    expect(done.appMetadataWrites).toEqual({ asked: true });
    expect(done.executed).toEqual([
      { action: 'before', handler: 'onExecutePostLogin' },
      { action: 'r', handler: 'onExecutePostLogin' },
      { action: 'r', handler: 'onContinuePostLogin' },
      { action: 'after', handler: 'onExecutePostLogin' },
    ]);
    expect(done.idTokenClaims).toEqual({
      before_runs: 1,
      after_send: 1,
      sees_own_write: true,
      method: 'POST',
      after: 1,
    });
    await expect(redirect.continue({ query: { state: redirect.state } })).rejects.toThrow(/already continued/);
    // Each result is a snapshot: what happened after the redirect does not rewrite it.
    expect(redirect.idTokenClaims).toEqual({ before_runs: 1, after_send: 1 });
    expect(redirect.executed).toHaveLength(2);
  });

  it.each([
    ['a wrong state', { query: { state: 'forged' } }],
    ['no state', { query: {} }],
    ['a wrong state in the body', { method: 'POST' as const, body: { state: 'forged' } }],
  ])('%s on /continue fails the login', async (_, request) => {
    const redirect = expectOutcome(
      await login([
        action('r', 'api.redirect.sendUserTo("https://p.example");', 'api.idToken.setCustomClaim("x", 1);'),
      ]),
      'redirect',
    );
    const result = await redirect.continue(request);
    expect(expectOutcome(result, 'denied').error).toBe('invalid_request');
    expect(result.executed.some((e) => e.handler === 'onContinuePostLogin')).toBe(false);
  });

  it('an Action that redirects without onContinuePostLogin fails on continue', async () => {
    const redirect = expectOutcome(
      await login([action('r', 'api.redirect.sendUserTo("https://p.example");')]),
      'redirect',
    );
    expect(expectOutcome(await redirect.continue({ query: { state: redirect.state } }), 'denied').reason).toBe(
      'Action "r" has no onContinuePostLogin',
    );
  });

  it('an invalid URL throws', async () => {
    expect(
      expectOutcome(await login([action('r', 'api.redirect.sendUserTo("not a url");', '')]), 'denied').reason,
    ).toMatch(/Invalid URL/);
  });

  it.each([
    ['refresh token', { flow: 'refresh-token' as const }],
    ['password grant', { flow: 'password' as const }],
    ['prompt=none', { flow: 'prompt-none' as const }],
  ])('cannot redirect during a %s exchange: interaction_required', async (_, scenario) => {
    const result = await login(
      [action('r', 'api.redirect.sendUserTo("https://p.example");', ''), action('after', '')],
      scenario,
    );
    expect(expectOutcome(result, 'denied').error).toBe('interaction_required');
    expect(result.executed.map((e) => e.action)).toEqual(['r']);
  });

  it('canRedirect tells interactive from non-interactive flows', async () => {
    const code = 'api.idToken.setCustomClaim("can", api.redirect.canRedirect());';
    expect((await login([action('c', code)])).idTokenClaims['can']).toBe(true);
    expect((await login([action('c', code)], { flow: 'refresh-token' })).idTokenClaims['can']).toBe(false);
    expect((await login([action('c', code)], { flow: 'prompt-none' })).idTokenClaims['can']).toBe(false);
  });

  it('api.cache does not survive the redirect (the continue may run on another instance)', async () => {
    const redirect = expectOutcome(
      await login([
        action(
          'r',
          'api.cache.set("k", "v"); api.redirect.sendUserTo("https://p.example");',
          'api.idToken.setCustomClaim("cached", api.cache.get("k")?.value ?? null);',
        ),
      ]),
      'redirect',
    );
    expect((await redirect.continue({ query: { state: redirect.state } })).idTokenClaims['cached']).toBeNull();
  });
});

describe('session tokens', () => {
  async function suspended(now?: () => number) {
    const event = buildEvent({ seed: 7 });
    const result = await runLogin({
      event,
      now,
      actions: [
        redirecting(
          'const claims = api.redirect.validateToken({secret: event.secrets.S}); api.idToken.setCustomClaim("claims", claims);',
        ),
      ],
    });
    return { event, redirect: expectOutcome(result, 'redirect') };
  }

  it('encodeToken signs an HS256 JWT with iat, iss, sub, exp, ip and the payload', async () => {
    const { event, redirect } = await suspended();
    const token = new URL(redirect.url).searchParams.get('session_token') as string;
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      purpose: 'terms',
      iss: event.request.hostname,
      sub: event.user.user_id,
      ip: event.request.ip,
    });
    expect((payload?.['exp'] as number) - (payload?.['iat'] as number)).toBe(600);
  });

  it('validateToken returns the claims of a token the page signed for this state and user (body wins over query)', async () => {
    const { event, redirect } = await suspended();
    const good = signSessionToken({
      secret: SECRET,
      subject: event.user.user_id,
      state: redirect.state,
      payload: { accepted: true },
    });
    const bad = signSessionToken({
      secret: 'other-secret-other-secret-other-sec',
      subject: event.user.user_id,
      state: redirect.state,
    });
    const result = expectOutcome(
      await redirect.continue({
        method: 'POST',
        body: { session_token: good, state: redirect.state },
        query: { session_token: bad },
      }),
      'allowed',
    );
    expect(result.idTokenClaims['claims']).toMatchObject({
      accepted: true,
      sub: event.user.user_id,
      state: redirect.state,
    });
  });

  const cases: [string, (ctx: { sub: string; state: string }) => string, RegExp][] = [
    [
      'a tampered token',
      ({ sub, state }) => {
        const [h, , s] = signSessionToken({ secret: SECRET, subject: sub, state, payload: { accepted: false } }).split(
          '.',
        );
        const forged = Buffer.from(JSON.stringify({ sub, state, accepted: true, exp: 9999999999 })).toString(
          'base64url',
        );
        return `${h}.${forged}.${s}`;
      },
      /invalid signature/,
    ],
    [
      'a token signed with another secret',
      ({ sub, state }) => signSessionToken({ secret: 'wrong-secret-wrong-secret-wrong-secr', subject: sub, state }),
      /invalid signature/,
    ],
    [
      'an expired token',
      ({ sub, state }) =>
        signSessionToken({ secret: SECRET, subject: sub, state, nowMs: Date.now() - 3_600_000, expiresInSeconds: 60 }),
      /jwt expired/,
    ],
    [
      'a token for another state',
      ({ sub }) => signSessionToken({ secret: SECRET, subject: sub, state: 'another-login' }),
      /state mismatch/,
    ],
    [
      'a token for another user',
      ({ state }) => signSessionToken({ secret: SECRET, subject: 'auth0|someone-else', state }),
      /subject mismatch/,
    ],
    [
      'an alg=none token',
      ({ sub, state }) =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub, state, exp: 9999999999 })).toString('base64url')}.`,
      /session token is invalid/,
    ],
  ];
  it.each(cases)('validateToken rejects %s', async (_, make, why) => {
    const { event, redirect } = await suspended();
    const result = await redirect.continue({
      query: { state: redirect.state, session_token: make({ sub: event.user.user_id, state: redirect.state }) },
    });
    const denied = expectOutcome(result, 'denied');
    expect(denied.reason).toMatch(/^The session token is invalid: /);
    expect(denied.reason).toMatch(why);
  });

  it('validateToken throws when the parameter is missing, and outside onContinuePostLogin', async () => {
    const { redirect } = await suspended();
    expect(expectOutcome(await redirect.continue({ query: { state: redirect.state } }), 'denied').reason).toMatch(
      /no "session_token" parameter/,
    );
    const early = await login([action('v', 'api.redirect.validateToken({secret: "x"});')]);
    expect(expectOutcome(early, 'denied').reason).toMatch(/only be used in onContinuePostLogin/);
  });

  it('expiry is checked against the runtime clock', async () => {
    let clock = Date.UTC(2026, 5, 1);
    const { event, redirect } = await suspended(() => clock);
    const token = signSessionToken({
      secret: SECRET,
      subject: event.user.user_id,
      state: redirect.state,
      nowMs: clock,
      expiresInSeconds: 300,
    });
    clock += 301_000;
    expect(
      expectOutcome(await redirect.continue({ body: { session_token: token, state: redirect.state } }), 'denied')
        .reason,
    ).toMatch(/jwt expired/);
  });
});
