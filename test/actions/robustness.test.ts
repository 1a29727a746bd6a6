import { describe, expect, it } from 'vitest';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import { runLogin, type Flow, type LoadedAction } from '../../local/runtime';
import { createFakeManagementApi, databaseUser, fakeUserFrom } from '../../tooling/harness';
import { event, loadBundle, loadPipeline, SECRETS, unexpectedErrors, type ActionName } from '../../tooling/harness';

/**
 * No input makes an Action throw: seeded random garbage in every place the Actions read untrusted
 * data, through the compiled bundles. An Action that caught an exception logs `unexpected ...`.
 */

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALLOWED_REASONS = new Set([
  'app_blocked',
  'entitlement_required',
  'email_not_verified',
  'terms_acceptance_required',
  'terms_declined',
  'terms_invalid_session',
  'configuration_error',
  'linking_invalid_session',
]);

function garbage(random: () => number, depth = 0): JsonValue {
  const pick = Math.floor(random() * (depth > 1 ? 8 : 11));
  const strings = [
    '',
    ' ',
    'true',
    'false',
    '2026-01',
    'https://x.example.com/a.png',
    'http://x',
    'fr',
    'en_US',
    'auth0|a|b',
    'a'.repeat(400),
    '\u0000',
    '2999-01-01T00:00:00Z',
    'web-app',
  ];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() > 0.5;
    case 2:
      return Math.floor(random() * 1e6) - 5e5;
    case 3:
      return random() * 1e-3;
    case 4:
    case 5:
    case 6:
    case 7:
      return strings[Math.floor(random() * strings.length)] as string;
    case 8:
      return Array.from({ length: Math.floor(random() * 4) }, () => garbage(random, depth + 1));
    default: {
      const keys = ['version', 'status', 'checked_at', 'offered', 'accepted_at', 'x'];
      return Object.fromEntries(keys.filter(() => random() > 0.4).map((k) => [k, garbage(random, depth + 1)]));
    }
  }
}

function garbageEvent(seed: number): Event {
  const random = prng(seed);
  const flows: Flow[] = ['interactive', 'refresh-token', 'prompt-none', 'password'];
  const app: Record<string, JsonValue> = {};
  const user: Record<string, JsonValue> = {};
  for (const key of ['blocked_apps', 'entitlements', 'terms', 'account_linking'])
    if (random() > 0.3) app[key] = garbage(random);
  for (const key of ['name', 'given_name', 'family_name', 'nickname', 'picture', 'preferred_language'])
    if (random() > 0.3) user[key] = garbage(random);
  const client: Record<string, string> = {};
  for (const key of ['required_entitlement', 'require_verified_email', 'terms_exempt'])
    if (random() > 0.5) client[key] = String(garbage(random));
  const ev = event(
    {
      user: random() > 0.5 ? 'google' : 'database',
      flow: flows[Math.floor(random() * 4)],
      emailVerified: random() > 0.3,
      seed,
      clientMetadata: client,
    },
    { user: { app_metadata: app, user_metadata: user } },
  );
  if (random() > 0.8) delete ev.transaction;
  if (random() > 0.8) delete ev.user.email;
  if (random() > 0.9) (ev.user as unknown as Record<string, unknown>).identities = 'none';
  return ev;
}

describe('robustness: garbage in, stable outcomes out', () => {
  it.each(['gate-apps', 'enforce-terms', 'override-profile', 'prompt-account-linking'] as ActionName[])(
    '%s never throws on 150 garbage events',
    async (name) => {
      const mgmt = createFakeManagementApi();
      const action = loadBundle(name, { fetch: mgmt.fetch });
      for (let seed = 1; seed <= 150; seed++) {
        const ev = garbageEvent(seed);
        mgmt.reset([
          fakeUserFrom({ ...ev.user, identities: [] }),
          databaseUser(`d${seed}`, ev.user.email ?? 'x@example.com'),
        ]);
        const result = await runLogin({ actions: [action], event: ev });
        expect(unexpectedErrors(result), `seed ${seed}`).toEqual([]);
        if (result.outcome === 'denied')
          expect(ALLOWED_REASONS.has(result.reason), `seed ${seed}: ${result.reason}`).toBe(true);
      }
    },
  );

  it('the whole pipeline never throws on garbage events, with good, missing or odd secrets', async () => {
    const mgmt = createFakeManagementApi();
    const [gate, linking, terms, override] = loadPipeline(mgmt.fetch) as [
      LoadedAction,
      LoadedAction,
      LoadedAction,
      LoadedAction,
    ];
    const linkingWith = (secrets: Record<string, string>): LoadedAction =>
      loadBundle('prompt-account-linking', { fetch: mgmt.fetch, secrets });
    const termsWith = (secrets: Record<string, string>): LoadedAction => loadBundle('enforce-terms', { secrets });
    const chains: LoadedAction[][] = [
      [gate, linking, terms, override],
      [gate, linkingWith({}), termsWith({}), override],
      [
        gate,
        linkingWith({ ...SECRETS['prompt-account-linking'], MGMT_DOMAIN: '::', LINKING_COOLDOWN_DAYS: 'x' }),
        termsWith({ TERMS_VERSION: ' ', TERMS_URL: '::', SESSION_TOKEN_SECRET: 'x', TERMS_GRACE_UNTIL: '2026-02-30' }),
        override,
      ],
      [gate, linking, termsWith({ ...SECRETS['enforce-terms'], TERMS_GRACE_UNTIL: '2999-01-01' }), override],
    ];
    for (let seed = 200; seed < 280; seed++) {
      const ev = garbageEvent(seed);
      mgmt.reset([
        fakeUserFrom({ ...ev.user, identities: [] }),
        databaseUser(`d${seed}`, ev.user.email ?? 'x@example.com'),
      ]);
      const result = await runLogin({ actions: chains[seed % chains.length] as LoadedAction[], event: ev });
      expect(unexpectedErrors(result), `seed ${seed}`).toEqual([]);
      if (result.outcome === 'denied')
        expect(ALLOWED_REASONS.has(result.reason), `seed ${seed}: ${result.reason}`).toBe(true);
    }
  });
});
