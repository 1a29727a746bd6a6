import { describe, expect, it } from 'vitest';
import { CALL_TIMEOUT_MS, retryDelayMs } from '../../actions/lib/management';
import { runLogin, type LoginResult } from '../../local/runtime';
import { createFakeManagementApi, databaseUser, fakeUserFrom, type Fault, type Route } from '../../tooling/harness';
import { answer, event, loadBundle, unexpectedErrors } from '../../tooling/harness';

/** prompt-account-linking against a failing Management API: it retries 429s within budget, and otherwise skips. */
function setup() {
  const ev = event({ user: 'google', returning: false, seed: 11 });
  const mgmt = createFakeManagementApi({
    users: [fakeUserFrom(ev.user), databaseUser('db1', ev.user.email as string)],
  });
  const action = loadBundle('prompt-account-linking', { fetch: mgmt.fetch });
  return { mgmt, login: () => runLogin({ actions: [action], event: ev }) };
}

const routes = (calls: { route: Route; status: number | 'aborted' }[]): string[] =>
  calls.map((c) => `${c.route}:${c.status}`);
const messages = (result: LoginResult): string[] => result.logs.map((l) => l.message);

describe('retryDelayMs', () => {
  it.each([
    [{ 'retry-after': '2' }, 2000],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'soon' }, 1000],
    [{}, 1000],
    [{ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) - 10) }, 0],
  ] as [Record<string, string>, number][])('%j → %d ms', (headers, expected) => {
    expect(retryDelayMs(new Headers(headers))).toBe(expected);
  });
  it('falls back to X-RateLimit-Reset', () => {
    const delay = retryDelayMs(new Headers({ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3) }));
    expect(delay).toBeGreaterThan(1000);
    expect(delay).toBeLessThanOrEqual(3000);
  });
});

describe('Management API faults on the offer', () => {
  it('429 then success: waits Retry-After and still offers', async () => {
    const { mgmt, login } = setup();
    mgmt.inject({ route: 'users-by-email', kind: 'rate-limit', times: 2, retryAfter: '0' });
    const result = await login();
    expect(result.outcome).toBe('redirect');
    expect(routes(mgmt.calls)).toEqual(['token:200', 'users-by-email:429', 'users-by-email:429', 'users-by-email:200']);
  });

  it('honours a Retry-After of 1 s', async () => {
    const { mgmt, login } = setup();
    mgmt.inject({ route: 'token', kind: 'rate-limit', times: 1, retryAfter: '1' });
    const started = Date.now();
    const result = await login();
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(result.outcome).toBe('redirect');
    expect(routes(mgmt.calls)).toEqual(['token:429', 'token:200', 'users-by-email:200']);
  });

  const skipped: [string, Fault, string[], string][] = [
    [
      'persistent 5xx on users-by-email',
      { route: 'users-by-email', kind: 'error', status: 503 },
      ['token:200', 'users-by-email:503'],
      'http_503',
    ],
    ['persistent 5xx on the token endpoint', { route: 'token', kind: 'error', status: 500 }, ['token:500'], 'http_500'],
    ['rejected client credentials', { route: 'token', kind: 'error', status: 401 }, ['token:401'], 'http_401'],
    [
      '429 on every attempt',
      { route: 'users-by-email', kind: 'rate-limit', times: 99, retryAfter: '0' },
      ['token:200', 'users-by-email:429', 'users-by-email:429', 'users-by-email:429'],
      'rate_limited',
    ],
    [
      'a Retry-After beyond the budget',
      { route: 'users-by-email', kind: 'rate-limit', times: 1, retryAfter: '30' },
      ['token:200', 'users-by-email:429'],
      'rate_limited',
    ],
  ];
  it.each(skipped)('%s: skips the prompt and lets the login continue', async (_name, fault, expectedCalls, code) => {
    const { mgmt, login } = setup();
    mgmt.inject(fault);
    const started = Date.now();
    const result = await login();
    expect(Date.now() - started).toBeLessThan(500);
    expect(result).toMatchObject({ outcome: 'allowed', appMetadataWrites: {} });
    expect(routes(mgmt.calls)).toEqual(expectedCalls);
    expect(messages(result)).toEqual([`prompt-account-linking: skipped, management api ${code}`]);
  });

  it('a hung call times out, well inside the trigger budget, and the login continues', async () => {
    const { mgmt, login } = setup();
    mgmt.inject({ route: 'users-by-email', kind: 'hang' });
    const started = Date.now();
    const result = await login();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS + 1000);
    expect(result).toMatchObject({ outcome: 'allowed', appMetadataWrites: {} });
    expect(routes(mgmt.calls)).toEqual(['token:200', 'users-by-email:aborted']);
    expect(messages(result)).toEqual(['prompt-account-linking: skipped, management api timeout']);
  });
});

describe('Management API faults on the link', () => {
  it('429 on the link then success: links', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'link', kind: 'rate-limit', times: 1, retryAfter: '0' });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.primaryUserId).toBe('auth0|db1');
    expect(routes(mgmt.calls).slice(-3)).toEqual(['update-user:200', 'link:429', 'link:201']);
  });

  it('persistent 5xx on the link: no primary user switch, login continues', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'link', kind: 'error', status: 500 });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(messages(done)).toEqual(['prompt-account-linking: skipped, management api http_500']);
  });

  it('5xx while re-checking the candidate: nothing is written or linked', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'get-user', kind: 'error', status: 502 });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count('update-user') + mgmt.count('link')).toBe(0);
    expect(unexpectedErrors(done)).toEqual([]);
  });

  it('a hung merge times out: no link, login continues', async () => {
    const { mgmt, login } = setup();
    const offer = await login();
    mgmt.inject({ route: 'update-user', kind: 'hang' });
    const done = await answer(offer, { link_to: 'auth0|db1' });
    expect(done.outcome).toBe('allowed');
    expect(done.primaryUserId).toBeUndefined();
    expect(mgmt.count('link')).toBe(0);
  });
});
