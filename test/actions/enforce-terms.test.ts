import { describe, expect, it } from 'vitest';
import { readConfig, type TermsConfig } from '../../actions/enforce-terms/config';
import {
  decideContinue,
  decideExecute,
  type ContinueOutcome,
  type ExecuteOutcome,
} from '../../actions/enforce-terms/decide';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import type { Flow } from '../../local/runtime';
import {
  answer,
  asRedirect,
  event,
  loadBundle,
  recordingApi,
  runOne,
  SECRETS,
  sentToken,
  SESSION_SECRET,
  TERMS_URL,
  TERMS_VERSION,
  unexpectedErrors,
} from '../../tooling/harness';

const NOW = Date.UTC(2026, 5, 1);
const FUTURE = Date.UTC(2026, 6, 1);
const PAST = Date.UTC(2026, 4, 1);
const config = (graceUntil?: number): TermsConfig => ({
  version: TERMS_VERSION,
  url: new URL(TERMS_URL),
  sessionSecret: SESSION_SECRET,
  graceUntil,
});
const accepted = { terms: { version: TERMS_VERSION, accepted_at: '2026-01-02T00:00:00.000Z' } };

function termsEvent(
  flow: Flow,
  appMetadata: Record<string, JsonValue> = {},
  clientMetadata: Record<string, string> = {},
): Event {
  return event({ flow, clientMetadata }, { user: { app_metadata: appMetadata } });
}

describe('enforce-terms decideExecute', () => {
  const prompt: ExecuteOutcome = { kind: 'prompt', payload: { terms_version: TERMS_VERSION } };
  const deny: ExecuteOutcome = { kind: 'deny', reason: 'terms_acceptance_required' };
  const allow = (why: 'accepted' | 'grace'): ExecuteOutcome => ({ kind: 'allow', why });
  const cases: [string, Flow, Record<string, JsonValue>, number | undefined, ExecuteOutcome][] = [
    ['accepted, interactive', 'interactive', accepted, undefined, allow('accepted')],
    ['accepted, refresh', 'refresh-token', accepted, undefined, allow('accepted')],
    ['accepted, prompt=none', 'prompt-none', accepted, undefined, allow('accepted')],
    ['accepted, password', 'password', accepted, undefined, allow('accepted')],
    ['never accepted, interactive', 'interactive', {}, undefined, prompt],
    ['never accepted, interactive, grace ignored', 'interactive', {}, FUTURE, prompt],
    ['older version, interactive', 'interactive', { terms: { version: '2025-01' } }, undefined, prompt],
    ['never accepted, refresh, no grace', 'refresh-token', {}, undefined, deny],
    ['never accepted, refresh, in grace', 'refresh-token', {}, FUTURE, allow('grace')],
    ['never accepted, refresh, grace over', 'refresh-token', {}, PAST, deny],
    ['grace ends exactly now', 'refresh-token', {}, NOW, deny],
    [
      'older version, refresh, no grace (no dodging by refreshing)',
      'refresh-token',
      { terms: { version: '2025-01' } },
      undefined,
      deny,
    ],
    ['older version, prompt=none, in grace', 'prompt-none', { terms: { version: '2025-01' } }, FUTURE, allow('grace')],
    ['older version, prompt=none, grace over', 'prompt-none', { terms: { version: '2025-01' } }, PAST, deny],
    ['never accepted, password, no grace', 'password', {}, undefined, deny],
    ['terms is a string', 'interactive', { terms: TERMS_VERSION }, undefined, prompt],
    ['terms is an array', 'interactive', { terms: [TERMS_VERSION] }, undefined, prompt],
    ['version is a number', 'refresh-token', { terms: { version: 2026 } }, undefined, deny],
    [
      'version differs in case',
      'interactive',
      { terms: { version: TERMS_VERSION.toUpperCase() + 'X' } },
      undefined,
      prompt,
    ],
    ['terms null', 'interactive', { terms: null }, undefined, prompt],
  ];
  it.each(cases)('%s', (_name, flow, appMetadata, grace, expected) => {
    expect(decideExecute(termsEvent(flow, appMetadata), config(grace), NOW)).toEqual(expected);
  });

  it('an unknown protocol or a missing transaction counts as non-interactive', () => {
    const unknown = termsEvent('interactive');
    (unknown.transaction as { protocol: string }).protocol = 'something-new';
    expect(decideExecute(unknown, config(), NOW)).toEqual(deny);
    const none = termsEvent('interactive');
    delete none.transaction;
    expect(decideExecute(none, config(), NOW)).toEqual(deny);
  });
});

describe('enforce-terms decideContinue', () => {
  const record: ContinueOutcome = {
    kind: 'record',
    terms: { version: TERMS_VERSION, accepted_at: new Date(NOW).toISOString() },
  };
  const cases: [string, Record<string, unknown> | undefined, ContinueOutcome][] = [
    ['accepted, current version', { accepted: true, terms_version: TERMS_VERSION }, record],
    ['declined', { accepted: false, terms_version: TERMS_VERSION }, { kind: 'deny', reason: 'terms_declined' }],
    ['declined without version', { accepted: false }, { kind: 'deny', reason: 'terms_declined' }],
    [
      'accepted, older version',
      { accepted: true, terms_version: '2025-01' },
      { kind: 'deny', reason: 'terms_acceptance_required' },
    ],
    ['accepted, no version', { accepted: true }, { kind: 'deny', reason: 'terms_acceptance_required' }],
    [
      'accepted as a string',
      { accepted: 'true', terms_version: TERMS_VERSION },
      { kind: 'deny', reason: 'terms_invalid_session' },
    ],
    ['no answer', { terms_version: TERMS_VERSION }, { kind: 'deny', reason: 'terms_invalid_session' }],
    ['invalid token', undefined, { kind: 'deny', reason: 'terms_invalid_session' }],
  ];
  it.each(cases)('%s', (_name, claims, expected) => {
    expect(decideContinue(claims, config(), NOW)).toEqual(expected);
  });
});

describe('enforce-terms readConfig', () => {
  const withSecrets = (secrets: Record<string, string>): ReturnType<typeof readConfig> =>
    readConfig(event({ secrets }));
  it('reads a complete configuration', () => {
    const result = withSecrets({ ...SECRETS['enforce-terms'], TERMS_GRACE_UNTIL: '2026-07-01' });
    expect(result).toEqual({
      ok: true,
      config: {
        version: TERMS_VERSION,
        url: new URL(TERMS_URL),
        sessionSecret: SESSION_SECRET,
        graceUntil: Date.UTC(2026, 6, 1),
      },
    });
  });
  it.each([
    ['nothing', {}, ['TERMS_VERSION', 'TERMS_URL', 'SESSION_TOKEN_SECRET']],
    ['blank version', { ...SECRETS['enforce-terms'], TERMS_VERSION: '  ' }, ['TERMS_VERSION']],
    ['empty secret', { ...SECRETS['enforce-terms'], SESSION_TOKEN_SECRET: '' }, ['SESSION_TOKEN_SECRET']],
    ['relative url', { ...SECRETS['enforce-terms'], TERMS_URL: '/terms' }, ['TERMS_URL']],
    ['http url', { ...SECRETS['enforce-terms'], TERMS_URL: 'http://account.example.com/terms' }, ['TERMS_URL']],
    ['javascript url', { ...SECRETS['enforce-terms'], TERMS_URL: 'javascript:alert(1)' }, ['TERMS_URL']],
    ['unreadable grace', { ...SECRETS['enforce-terms'], TERMS_GRACE_UNTIL: 'next monday' }, ['TERMS_GRACE_UNTIL']],
    ['impossible grace date', { ...SECRETS['enforce-terms'], TERMS_GRACE_UNTIL: '2026-13-45' }, ['TERMS_GRACE_UNTIL']],
  ] as [string, Record<string, string>, string[]][])('%s', (_name, secrets, problems) => {
    expect(withSecrets(secrets)).toEqual({ ok: false, problems });
  });
  it('allows http on loopback for local pages, and an empty grace means no grace', () => {
    const result = withSecrets({
      ...SECRETS['enforce-terms'],
      TERMS_URL: 'http://localhost:3000/terms',
      TERMS_GRACE_UNTIL: '',
    });
    expect(result.ok && result.config.url.href).toBe('http://localhost:3000/terms');
    expect(result.ok && result.config.graceUntil).toBeUndefined();
  });
});

describe('enforce-terms bundle', () => {
  const action = loadBundle('enforce-terms');
  const withSecrets = (secrets: Record<string, string>) => loadBundle('enforce-terms', { secrets });

  it('lets an accepted user through on every flow with no redirect and no writes', async () => {
    for (const flow of ['interactive', 'refresh-token', 'prompt-none', 'password'] as const) {
      const result = await runOne(action, termsEvent(flow, accepted));
      expect(result.outcome, flow).toBe('allowed');
      expect(result.appMetadataWrites).toEqual({});
    }
  });

  it('redirects an interactive login to TERMS_URL with a short, data-free session token', async () => {
    const ev = termsEvent('interactive');
    const result = await runOne(action, ev);
    const { url, claims } = sentToken(result);
    expect(url.origin + url.pathname).toBe(TERMS_URL);
    expect(url.searchParams.get('state')).toBe(asRedirect(result).state);
    expect(claims.terms_version).toBe(TERMS_VERSION);
    expect(claims.sub).toBe(ev.user.user_id);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(600);
    expect(JSON.stringify(claims)).not.toContain(ev.user.email as string);
    expect(result.appMetadataWrites).toEqual({});
  });

  it('records acceptance of the current version in app_metadata', async () => {
    const before = Date.now();
    const done = await answer(await runOne(action, termsEvent('interactive')), {
      accepted: true,
      terms_version: TERMS_VERSION,
    });
    expect(done.outcome).toBe('allowed');
    const terms = done.appMetadataWrites.terms as { version: string; accepted_at: string };
    expect(Object.keys(terms).sort()).toEqual(['accepted_at', 'version']);
    expect(terms.version).toBe(TERMS_VERSION);
    expect(Date.parse(terms.accepted_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(terms.accepted_at).toBe(new Date(Date.parse(terms.accepted_at)).toISOString());
    expect(done.user.app_metadata.terms).toEqual(terms);
    expect(done.userMetadataWrites).toEqual({});
  });

  it('re-prompts after a version bump, then records the new version', async () => {
    const first = await runOne(
      action,
      termsEvent('interactive', { terms: { version: '2025-01', accepted_at: '2025-01-01T00:00:00.000Z' } }),
    );
    expect(sentToken(first).claims.terms_version).toBe(TERMS_VERSION);
    const done = await answer(first, { accepted: true, terms_version: TERMS_VERSION });
    expect((done.appMetadataWrites.terms as { version: string }).version).toBe(TERMS_VERSION);
  });

  it.each([
    ['a decline', { accepted: false, terms_version: TERMS_VERSION }, 'terms_declined'],
    ['acceptance of another version', { accepted: true, terms_version: '2025-01' }, 'terms_acceptance_required'],
    ['an answer without a decision', { terms_version: TERMS_VERSION }, 'terms_invalid_session'],
  ] as const)('denies %s without recording anything', async (_name, payload, reason) => {
    const done = await answer(await runOne(action, termsEvent('interactive')), payload);
    expect(done).toMatchObject({ outcome: 'denied', reason });
    expect(done.appMetadataWrites).toEqual({});
  });

  describe('denies terms_invalid_session for a bad token on continue', () => {
    const ok = { accepted: true, terms_version: TERMS_VERSION };
    it('signed with another secret', async () => {
      const done = await answer(await runOne(action, termsEvent('interactive')), ok, { secret: 'another-secret' });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
    it('tampered payload', async () => {
      const first = asRedirect(await runOne(action, termsEvent('interactive')));
      const { signSessionToken } = await import('../../local/runtime');
      const token = signSessionToken({
        secret: SESSION_SECRET,
        subject: first.user.user_id,
        state: first.state,
        payload: { accepted: false, terms_version: TERMS_VERSION },
      });
      const [header, , signature] = token.split('.');
      const forged = Buffer.from(
        JSON.stringify({
          ...JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()),
          accepted: true,
        }),
      ).toString('base64url');
      const done = await first.continue({
        method: 'POST',
        body: { session_token: `${header}.${forged}.${signature}`, state: first.state },
      });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
      expect(done.appMetadataWrites).toEqual({});
    });
    it('expired', async () => {
      const done = await answer(await runOne(action, termsEvent('interactive')), ok, {
        nowMs: Date.now() - 20 * 60_000,
        expiresInSeconds: 300,
      });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
    it('issued for another transaction (foreign state)', async () => {
      const done = await answer(await runOne(action, termsEvent('interactive')), ok, {
        state: 'another-transaction-state',
      });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
    it('issued for another user', async () => {
      const done = await answer(await runOne(action, termsEvent('interactive')), ok, { subject: 'auth0|someone-else' });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
    it('missing', async () => {
      const done = await (async (r) => r.continue({ method: 'POST', body: { state: r.state } }))(
        asRedirect(await runOne(action, termsEvent('interactive'))),
      );
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
    it('our own outgoing token echoed back', async () => {
      const first = asRedirect(await runOne(action, termsEvent('interactive')));
      const ours = new URL(first.url).searchParams.get('session_token') as string;
      const done = await first.continue({ method: 'POST', body: { session_token: ours, state: first.state } });
      expect(done).toMatchObject({ outcome: 'denied', reason: 'terms_invalid_session' });
    });
  });

  describe('where no redirect is possible', () => {
    it.each(['refresh-token', 'prompt-none', 'password'] as const)(
      '%s without acceptance and without grace: terms_acceptance_required',
      async (flow) => {
        const result = await runOne(action, termsEvent(flow));
        expect(result).toMatchObject({
          outcome: 'denied',
          error: 'access_denied',
          reason: 'terms_acceptance_required',
        });
      },
    );
    it.each(['refresh-token', 'prompt-none', 'password'] as const)(
      '%s within TERMS_GRACE_UNTIL: allowed and logged',
      async (flow) => {
        const inGrace = withSecrets({
          ...SECRETS['enforce-terms'],
          TERMS_GRACE_UNTIL: new Date(Date.now() + 86_400_000).toISOString(),
        });
        const result = await runOne(inGrace, termsEvent(flow, { terms: { version: '2025-01' } }));
        expect(result.outcome).toBe('allowed');
        expect(result.logs.map((l) => l.message)).toEqual([
          'enforce-terms: not accepted, allowed by TERMS_GRACE_UNTIL',
        ]);
      },
    );
    it('a refresh after the grace period: denied (new terms cannot be dodged by refreshing)', async () => {
      const over = withSecrets({ ...SECRETS['enforce-terms'], TERMS_GRACE_UNTIL: '2020-01-01' });
      const result = await runOne(over, termsEvent('refresh-token', { terms: { version: '2025-01' } }));
      expect(result).toMatchObject({ outcome: 'denied', reason: 'terms_acceptance_required' });
    });
  });

  it('exempts a client with terms_exempt "true", even without configuration', async () => {
    const unconfigured = withSecrets({});
    for (const flow of ['interactive', 'refresh-token'] as const) {
      expect((await runOne(unconfigured, termsEvent(flow, {}, { terms_exempt: 'true' }))).outcome).toBe('allowed');
    }
    expect((await runOne(action, termsEvent('interactive', {}, { terms_exempt: 'yes' }))).outcome).toBe('redirect');
    expect((await runOne(action, termsEvent('refresh-token', {}, { terms_exempt: 'TRUE' }))).outcome).toBe('denied');
  });

  describe('fails closed with configuration_error, logging names only', () => {
    it.each(['TERMS_VERSION', 'TERMS_URL', 'SESSION_TOKEN_SECRET'])('missing %s', async (name) => {
      const secrets = { ...SECRETS['enforce-terms'] };
      delete secrets[name];
      const result = await runOne(withSecrets(secrets), termsEvent('interactive', accepted));
      expect(result).toMatchObject({ outcome: 'denied', reason: 'configuration_error' });
      expect(result.logs.map((l) => l.message)).toEqual([`enforce-terms: missing or invalid secrets: ${name}`]);
    });
    it('empty values, and no value ever reaches the log', async () => {
      const secrets = {
        TERMS_VERSION: '',
        TERMS_URL: 'not a url',
        SESSION_TOKEN_SECRET: ' ',
        TERMS_GRACE_UNTIL: 'soon',
      };
      const result = await runOne(withSecrets(secrets), termsEvent('refresh-token'));
      expect(result).toMatchObject({ outcome: 'denied', reason: 'configuration_error' });
      const logged = result.logs.map((l) => l.message).join('\n');
      expect(logged).toBe(
        'enforce-terms: missing or invalid secrets: TERMS_VERSION,TERMS_URL,SESSION_TOKEN_SECRET,TERMS_GRACE_UNTIL',
      );
      expect(logged).not.toContain('not a url');
      expect(logged).not.toContain('soon');
    });
    it('on continue too', async () => {
      // The secret vanished between the redirect and the continue: still fail closed.
      const broken = withSecrets({ TERMS_URL, SESSION_TOKEN_SECRET: SESSION_SECRET });
      const api = recordingApi();
      await broken.onContinuePostLogin?.(termsEvent('interactive'), api);
      expect(api.denials).toEqual(['configuration_error']);
    });
  });

  it('an unexpected error denies internal_error', async () => {
    const ev = termsEvent('interactive');
    Object.defineProperty(ev.client, 'metadata', {
      get() {
        throw new TypeError('boom');
      },
    });
    const api = recordingApi();
    await action.onExecutePostLogin(ev, api);
    expect(api.denials).toEqual(['internal_error']);
  });

  it('never throws on malformed metadata', async () => {
    for (const terms of [null, 1, 'x', [], { version: null }, { version: { nested: true } }] as JsonValue[]) {
      const result = await runOne(action, termsEvent('refresh-token', { terms }));
      expect(result).toMatchObject({ outcome: 'denied', reason: 'terms_acceptance_required' });
      expect(unexpectedErrors(result)).toEqual([]);
    }
  });
});
