import { describe, expect, it } from 'vitest';
import { readConfig, type LinkingConfig } from '../../actions/prompt-account-linking/config';
import {
  decideContinue,
  decideExecute,
  decideLink,
  decideOffer,
  mergePatch,
  type ContinueOutcome,
  type ExecuteOutcome,
} from '../../actions/prompt-account-linking/decide';
import { readState, stateValue } from '../../actions/prompt-account-linking/state';
import type { ManagedUser } from '../../actions/lib/management';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import type { Flow } from '../../local/runtime';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_DOMAIN } from '../../tooling/harness';
import { event, LINKING_URL, SECRETS, SESSION_SECRET } from '../../tooling/harness';

const NOW = Date.UTC(2026, 5, 1, 12);
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const config: LinkingConfig = {
  linkingUrl: new URL(LINKING_URL),
  sessionSecret: SESSION_SECRET,
  cooldownMs: 30 * DAY,
  management: { origin: `https://${FAKE_DOMAIN}`, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET },
};

function current(
  options: {
    flow?: Flow;
    verified?: boolean;
    appMetadata?: Record<string, JsonValue>;
    userMetadata?: Record<string, JsonValue>;
  } = {},
): Event {
  return event(
    { user: 'google', flow: options.flow, emailVerified: options.verified ?? true, returning: false },
    { user: { app_metadata: options.appMetadata ?? {}, user_metadata: options.userMetadata ?? {} } },
  );
}

function managed(overrides: Partial<ManagedUser> & { user_id: string }): ManagedUser {
  const [provider = 'auth0', id = 'x'] = [
    overrides.user_id.slice(0, overrides.user_id.indexOf('|')),
    overrides.user_id.slice(overrides.user_id.indexOf('|') + 1),
  ];
  return {
    email: 'ada@example.com',
    email_verified: true,
    blocked: false,
    user_metadata: {},
    app_metadata: {},
    identities: [
      { provider, user_id: id, connection: provider === 'auth0' ? 'Username-Password-Authentication' : provider },
    ],
    ...overrides,
  };
}

/** The identity that logged in, as the Management API returns it on continue. */
const self = (ev: Event, extra: Partial<ManagedUser> = {}): ManagedUser =>
  managed({
    user_id: ev.user.user_id,
    email: ev.user.email,
    app_metadata: ev.user.app_metadata,
    user_metadata: ev.user.user_metadata,
    ...extra,
  });

describe('readConfig (linking)', () => {
  it('reads a complete configuration with the default cooldown', () => {
    expect(readConfig(event({ secrets: SECRETS['prompt-account-linking'] }))).toEqual({
      ok: true,
      config,
      warnings: [],
    });
  });
  it.each([
    ['7', 7 * DAY, []],
    ['0', 0, []],
    [' 12 ', 12 * DAY, []],
    ['-1', 30 * DAY, ['LINKING_COOLDOWN_DAYS']],
    ['1.5', 30 * DAY, ['LINKING_COOLDOWN_DAYS']],
    ['forever', 30 * DAY, ['LINKING_COOLDOWN_DAYS']],
    ['99999', 30 * DAY, ['LINKING_COOLDOWN_DAYS']],
    ['', 30 * DAY, []],
  ] as [string, number, string[]][])('LINKING_COOLDOWN_DAYS=%j', (value, cooldownMs, warnings) => {
    const result = readConfig(
      event({ secrets: { ...SECRETS['prompt-account-linking'], LINKING_COOLDOWN_DAYS: value } }),
    );
    expect(result).toEqual({ ok: true, config: { ...config, cooldownMs }, warnings });
  });
  it('names every missing or invalid required secret', () => {
    expect(readConfig(event({ secrets: {} }))).toEqual({
      ok: false,
      problems: ['LINKING_URL', 'SESSION_TOKEN_SECRET', 'MGMT_DOMAIN', 'MGMT_CLIENT_ID', 'MGMT_CLIENT_SECRET'],
    });
    const bad = {
      ...SECRETS['prompt-account-linking'],
      LINKING_URL: 'http://account.example.com/link',
      MGMT_DOMAIN: 'tenant.example.com/evil?x=',
    };
    expect(readConfig(event({ secrets: bad }))).toEqual({ ok: false, problems: ['LINKING_URL', 'MGMT_DOMAIN'] });
  });
  it('accepts a domain with a port or an https:// prefix', () => {
    for (const domain of ['127.0.0.1:8443', 'https://127.0.0.1:8443/']) {
      const result = readConfig(event({ secrets: { ...SECRETS['prompt-account-linking'], MGMT_DOMAIN: domain } }));
      expect(result.ok && result.config.management.origin).toBe('https://127.0.0.1:8443');
    }
  });
});

describe('account_linking state', () => {
  const at = iso(NOW - DAY);
  it.each([
    [
      { status: 'declined', checked_at: at },
      { status: 'declined', checkedAt: NOW - DAY },
    ],
    [
      { status: 'no_candidates', checked_at: at },
      { status: 'no_candidates', checkedAt: NOW - DAY },
    ],
    [
      { status: 'linked', checked_at: at },
      { status: 'linked', checkedAt: NOW - DAY },
    ],
    [
      { status: 'pending', checked_at: at, offered: ['auth0|a'] },
      { status: 'pending', checkedAt: NOW - DAY, offered: ['auth0|a'] },
    ],
    [{ status: 'pending', checked_at: at }, undefined],
    [{ status: 'pending', checked_at: at, offered: [] }, undefined],
    [{ status: 'pending', checked_at: at, offered: ['auth0|a', 7] }, undefined],
    [{ status: 'pending', checked_at: at, offered: 'auth0|a' }, undefined],
    [{ status: 'pending', checked_at: at, offered: ['a', 'b', 'c', 'd', 'e', 'f'] }, undefined],
    [{ status: 'snoozed', checked_at: at }, undefined],
    [{ status: 'declined' }, undefined],
    [{ status: 'declined', checked_at: 'yesterday' }, undefined],
    [{ status: 'declined', checked_at: NOW }, undefined],
    [{ status: 'declined', checked_at: iso(NOW + 365 * DAY) }, undefined],
    [
      { status: 'declined', checked_at: iso(NOW + 60_000) },
      { status: 'declined', checkedAt: NOW + 60_000 },
    ],
    ['declined', undefined],
    [['declined'], undefined],
    [null, undefined],
  ] as [JsonValue, unknown][])('%j', (value, expected) => {
    expect(readState({ account_linking: value }, NOW)).toEqual(expected);
  });
  it('round-trips what it writes', () => {
    const state = { status: 'pending' as const, checkedAt: NOW, offered: ['auth0|a'] };
    expect(stateValue(state)).toEqual({ status: 'pending', checked_at: iso(NOW), offered: ['auth0|a'] });
    expect(readState({ account_linking: stateValue(state) }, NOW)).toEqual(state);
    expect(stateValue({ status: 'declined', checkedAt: NOW })).toEqual({ status: 'declined', checked_at: iso(NOW) });
  });
});

describe('decideExecute (linking)', () => {
  const lookup = (ev: Event): ExecuteOutcome => ({ kind: 'lookup', email: ev.user.email as string });
  const state = (status: string, daysAgo: number): Record<string, JsonValue> => ({
    account_linking: { status, checked_at: iso(Date.now() - daysAgo * DAY) },
  });
  it.each([
    ['a verified first login', {}, 'lookup'],
    ['declined 10 days ago', state('declined', 10), 'cooldown'],
    ['declined 31 days ago', state('declined', 31), 'lookup'],
    ['no candidates 1 day ago', state('no_candidates', 1), 'cooldown'],
    ['no candidates 30 days ago (cooldown over)', state('no_candidates', 30.01), 'lookup'],
    ['linked 2 days ago', state('linked', 2), 'cooldown'],
    [
      'pending (abandoned page)',
      { account_linking: { status: 'pending', checked_at: iso(Date.now() - DAY), offered: ['auth0|a'] } },
      'lookup',
    ],
    ['malformed state', { account_linking: 'declined' }, 'lookup'],
    [
      'state with a far-future date',
      { account_linking: { status: 'declined', checked_at: '2999-01-01T00:00:00Z' } },
      'lookup',
    ],
  ] as [string, Record<string, JsonValue>, 'lookup' | 'cooldown'][])('%s: %s', (_name, appMetadata, expected) => {
    const ev = current({ appMetadata });
    expect(decideExecute(ev, config, Date.now())).toEqual(
      expected === 'lookup' ? lookup(ev) : { kind: 'skip', why: 'cooldown' },
    );
  });
  it('a zero cooldown always looks', () => {
    const ev = current({ appMetadata: state('declined', 0) });
    expect(decideExecute(ev, { ...config, cooldownMs: 0 }, Date.now())).toEqual(lookup(ev));
  });
  it.each(['refresh-token', 'prompt-none', 'password'] as Flow[])('never prompts on %s', (flow) => {
    expect(decideExecute(current({ flow }), config, NOW)).toEqual({ kind: 'skip', why: 'not_interactive' });
  });
  it('never looks for an unverified or missing email', () => {
    expect(decideExecute(current({ verified: false }), config, NOW)).toEqual({ kind: 'skip', why: 'email_unverified' });
    const noEmail = current();
    delete noEmail.user.email;
    expect(decideExecute(noEmail, config, NOW)).toEqual({ kind: 'skip', why: 'email_unverified' });
    const truthy = current();
    (truthy.user as unknown as Record<string, unknown>).email_verified = 'true';
    expect(decideExecute(truthy, config, NOW)).toEqual({ kind: 'skip', why: 'email_unverified' });
  });
  it('skips a user who already has linked identities', () => {
    expect(decideExecute(event({ user: 'linked' }), config, NOW)).toEqual({ kind: 'skip', why: 'already_linked' });
  });
});

describe('decideOffer', () => {
  const ev = current();
  const me = managed({ user_id: ev.user.user_id, email: ev.user.email });
  const other = (id: string, extra: Partial<ManagedUser> = {}): ManagedUser =>
    managed({ user_id: id, email: ev.user.email, ...extra });

  it('finds nobody but the user: no_candidates', () => {
    expect(decideOffer(ev, [me], NOW)).toEqual({ kind: 'none', state: { status: 'no_candidates', checkedAt: NOW } });
    expect(decideOffer(ev, [], NOW).kind).toBe('none');
  });
  it('offers other users whose email is verified, as ids, connection and provider only', () => {
    const outcome = decideOffer(ev, [me, other('auth0|db1', { name: 'Ada' } as Partial<ManagedUser>)], NOW);
    expect(outcome).toEqual({
      kind: 'offer',
      candidates: [{ user_id: 'auth0|db1', connection: 'Username-Password-Authentication', provider: 'auth0' }],
      state: { status: 'pending', checkedAt: NOW, offered: ['auth0|db1'] },
    });
  });
  it('never offers a user whose email is not verified or differs', () => {
    const outcome = decideOffer(
      ev,
      [
        other('auth0|unverified', { email_verified: false }),
        other('auth0|different', { email: 'mallory@example.com' }),
      ],
      NOW,
    );
    expect(outcome.kind).toBe('none');
  });
  it('never offers a blocked account', () => {
    expect(decideOffer(ev, [other('auth0|blocked', { blocked: true })], NOW).kind).toBe('none');
  });
  it('matches emails case-insensitively', () => {
    expect(decideOffer(ev, [other('auth0|db1', { email: (ev.user.email as string).toUpperCase() })], NOW).kind).toBe(
      'offer',
    );
  });
  it('describes a candidate by its own identity, and skips one without identities', () => {
    const linked = other('auth0|main', {
      identities: [
        { provider: 'github', user_id: '9', connection: 'github' },
        { provider: 'auth0', user_id: 'main', connection: 'db' },
      ],
    });
    const bare = other('auth0|bare', { identities: [] });
    const outcome = decideOffer(ev, [bare, linked], NOW);
    expect(outcome.kind === 'offer' && outcome.candidates).toEqual([
      { user_id: 'auth0|main', connection: 'db', provider: 'auth0' },
    ]);
  });
  it('offers at most five', () => {
    const many = Array.from({ length: 8 }, (_, i) => other(`auth0|db${i}`));
    const outcome = decideOffer(ev, many, NOW);
    expect(outcome.kind === 'offer' && outcome.candidates.map((c) => c.user_id)).toEqual([
      'auth0|db0',
      'auth0|db1',
      'auth0|db2',
      'auth0|db3',
      'auth0|db4',
    ]);
  });
});

describe('decideContinue', () => {
  const pending = {
    account_linking: { status: 'pending', checked_at: iso(Date.now() - 60_000), offered: ['auth0|db1', 'auth0|db2'] },
  };
  const invalid = (why: 'token' | 'answer' | 'not_offered'): ContinueOutcome => ({ kind: 'invalid', why });
  it.each([
    ['link to an offered candidate', pending, { link_to: 'auth0|db2' }, { kind: 'verify', linkTo: 'auth0|db2' }],
    ['decline', pending, { declined: true }, 'declined'],
    ['invalid token', pending, undefined, invalid('token')],
    ['link to a candidate not offered', pending, { link_to: 'auth0|db3' }, invalid('not_offered')],
    ['link to the user itself', pending, { link_to: 'placeholder-self' }, invalid('not_offered')],
    [
      'link without a pending offer',
      { account_linking: { status: 'declined', checked_at: iso(Date.now()) } },
      { link_to: 'auth0|db1' },
      invalid('not_offered'),
    ],
    [
      'link with a malformed offer',
      { account_linking: { status: 'pending', checked_at: iso(Date.now()), offered: 'auth0|db1' } },
      { link_to: 'auth0|db1' },
      invalid('not_offered'),
    ],
    ['both answers at once', pending, { declined: true, link_to: 'auth0|db1' }, invalid('answer')],
    ['link_to with declined: false', pending, { declined: false, link_to: 'auth0|db1' }, invalid('answer')],
    ['declined as a string', pending, { declined: 'true' }, invalid('answer')],
    ['link_to not a string', pending, { link_to: ['auth0|db1'] }, invalid('answer')],
    ['no answer', pending, {}, invalid('answer')],
  ] as [string, Record<string, JsonValue>, Record<string, unknown> | undefined, ContinueOutcome | 'declined'][])(
    '%s',
    (_name, appMetadata, claims, expected) => {
      const ev = current({ appMetadata });
      const now = Date.now();
      const outcome = decideContinue(
        claims?.link_to === 'placeholder-self' ? { link_to: ev.user.user_id } : claims,
        ev,
        now,
      );
      expect(outcome).toEqual(
        expected === 'declined' ? { kind: 'declined', state: { status: 'declined', checkedAt: now } } : expected,
      );
    },
  );
});

describe('decideLink and the metadata policy', () => {
  const ev = current({
    userMetadata: { theme: 'dark', preferred_language: 'fr' },
    appMetadata: { blocked_apps: ['app-b', 'app-c'], entitlements: ['premium'], terms: { version: 'v9' } },
  });
  const primary = managed({
    user_id: 'auth0|db1',
    email: ev.user.email,
    user_metadata: { preferred_language: 'en' },
    app_metadata: { blocked_apps: ['app-a', 'app-b', 'app-c'], entitlements: ['basic'] },
  });
  const linked = { status: 'linked', checked_at: iso(NOW) };

  it('links the current identity under the primary, splitting user_id at the first | only', () => {
    const outcome = decideLink(ev, primary, self(ev), NOW);
    expect(outcome).toMatchObject({
      kind: 'link',
      primaryId: 'auth0|db1',
      secondary: { provider: 'google-oauth2', user_id: ev.user.user_id.split('|')[1] },
    });
    const piped = current();
    piped.user.user_id = 'oidc|acme|user|42';
    expect(decideLink(piped, primary, self(piped), NOW)).toMatchObject({
      kind: 'link',
      secondary: { provider: 'oidc', user_id: 'acme|user|42' },
    });
  });

  it('writes only what it adds: the link record and the preferences the primary lacks; no grant, no blocked_apps', () => {
    const outcome = decideLink(ev, primary, self(ev), NOW);
    expect(outcome.kind === 'link' && outcome.patch).toEqual({
      app_metadata: { account_linking: linked },
      user_metadata: { theme: 'dark' },
    });
  });
  it('takes the preferences from the fresh read of the identity that logged in', () => {
    expect(mergePatch(self(ev, { user_metadata: { theme: 'light', font: 'large' } }), primary, NOW)).toEqual({
      app_metadata: { account_linking: linked },
      user_metadata: { theme: 'light', font: 'large' },
    });
  });
  it('writes only the link record when there is nothing to carry over', () => {
    expect(mergePatch(self(current()), primary, NOW)).toEqual({ app_metadata: { account_linking: linked } });
  });
  it.each([
    ['a primary without blocks', {}],
    ['a primary missing one of the blocks', { blocked_apps: ['app-a', 'app-b'] }],
  ])('refuses %s, since a link never writes blocked_apps', (_, primaryApp) => {
    const me = current({ appMetadata: { blocked_apps: ['app-b', 'app-c'] } });
    expect(decideLink(me, { ...primary, app_metadata: primaryApp }, self(me), NOW)).toEqual({
      kind: 'skip',
      why: 'would_lift_block',
    });
    expect(decideOffer(me, [{ ...primary, app_metadata: primaryApp }], NOW).kind).toBe('none');
  });
  it('judges the blocks of the identity that logged in on the fresh read, not the event', () => {
    const me = current();
    expect(decideLink(me, primary, self(me, { app_metadata: { blocked_apps: ['app-z'] } }), NOW)).toEqual({
      kind: 'skip',
      why: 'would_lift_block',
    });
  });
  it('refuses a primary whose blocked_apps is unreadable (it is gated everywhere)', () => {
    expect(decideLink(current(), { ...primary, app_metadata: { blocked_apps: 'all' } }, self(current()), NOW)).toEqual({
      kind: 'skip',
      why: 'primary_gated',
    });
  });
  it('refuses to link when the secondary blocked_apps cannot be carried', () => {
    const bad = current({ appMetadata: { blocked_apps: 'app-b' } });
    expect(decideLink(bad, primary, self(bad), NOW)).toEqual({ kind: 'skip', why: 'restrictions_unreadable' });
  });

  it.each([
    ['the candidate is gone', undefined, undefined, 'candidate_gone'],
    ['the candidate email is no longer verified', { email_verified: false }, undefined, 'candidate_ineligible'],
    ['the candidate email changed', { email: 'other@example.com' }, undefined, 'candidate_ineligible'],
    ['the candidate is the user itself', 'self', undefined, 'candidate_ineligible'],
    ['the current email is no longer verified', {}, false, 'email_unverified'],
  ] as [string, Partial<ManagedUser> | 'self' | undefined, boolean | undefined, string][])(
    'skips when %s',
    (_name, change, verified, why) => {
      const me = current({ verified });
      const candidate =
        change === undefined
          ? undefined
          : change === 'self'
            ? { ...primary, user_id: me.user.user_id, email: me.user.email }
            : { ...primary, email: me.user.email, ...change };
      expect(decideLink(me, candidate, self(me), NOW)).toEqual({ kind: 'skip', why });
    },
  );
  it('skips when an administrator blocked either account meanwhile, or the logged-in one is gone', () => {
    const me = current();
    const candidate = { ...primary, email: me.user.email };
    expect(decideLink(me, { ...candidate, blocked: true }, self(me), NOW)).toEqual({
      kind: 'skip',
      why: 'candidate_blocked',
    });
    expect(decideLink(me, candidate, self(me, { blocked: true }), NOW)).toEqual({ kind: 'skip', why: 'user_blocked' });
    expect(decideLink(me, candidate, undefined, NOW)).toEqual({ kind: 'skip', why: 'user_gone' });
  });
  it('skips a primary whose id setPrimaryUser would refuse (over 128 characters), before linking', () => {
    const me = current();
    const at = (length: number): ManagedUser => ({
      ...primary,
      email: me.user.email,
      user_id: `auth0|${'a'.repeat(length - 6)}`,
    });
    expect(decideLink(me, at(128), self(me), NOW).kind).toBe('link');
    expect(decideLink(me, at(129), self(me), NOW)).toEqual({ kind: 'skip', why: 'primary_id_too_long' });
  });
  it('skips a user id it cannot split', () => {
    for (const id of ['no-bar', '|leading', 'trailing|']) {
      const me = current();
      me.user.user_id = id;
      expect(decideLink(me, { ...primary, email: me.user.email }, self(me), NOW)).toEqual({
        kind: 'skip',
        why: 'bad_user_id',
      });
    }
  });
});
