import { describe, expect, it } from 'vitest';
import { decide, type GateOutcome } from '../../actions/gate-apps/decide';
import type { Event, JsonValue } from '../../actions/platform/post-login';
import { event, loadBundle, recordingApi, runOne, unexpectedErrors } from '../../tooling/harness';

const CLIENT = 'client-under-test';

function gateEvent(
  appMetadata: Record<string, JsonValue>,
  clientMetadata: Record<string, string> = {},
  emailVerified = true,
  flow: 'interactive' | 'refresh-token' | 'prompt-none' | 'password' = 'interactive',
): Event {
  return event(
    { emailVerified, flow, clientMetadata },
    { client: { client_id: CLIENT }, user: { app_metadata: appMetadata } },
  );
}

describe('gate-apps decide', () => {
  const allow: GateOutcome = { kind: 'allow' };
  const cases: [string, Record<string, JsonValue>, Record<string, string>, boolean, GateOutcome][] = [
    ['no metadata at all', {}, {}, true, allow],
    ['blocked for this client', { blocked_apps: ['other', CLIENT] }, {}, true, { kind: 'deny', reason: 'app_blocked' }],
    ['blocked for other clients only', { blocked_apps: ['other'] }, {}, true, allow],
    ['empty blocked list', { blocked_apps: [] }, {}, true, allow],
    ['non-string entries are ignored', { blocked_apps: [42, null, { id: CLIENT }, ['x']] }, {}, true, allow],
    [
      'non-string entries next to a match',
      { blocked_apps: [42, CLIENT] },
      {},
      true,
      { kind: 'deny', reason: 'app_blocked' },
    ],
    [
      'blocked_apps a string (fails closed)',
      { blocked_apps: CLIENT },
      {},
      true,
      { kind: 'deny', reason: 'app_blocked', malformed: 'blocked_apps' },
    ],
    [
      'blocked_apps another string (fails closed)',
      { blocked_apps: 'other' },
      {},
      true,
      { kind: 'deny', reason: 'app_blocked', malformed: 'blocked_apps' },
    ],
    [
      'blocked_apps an object (fails closed)',
      { blocked_apps: { [CLIENT]: true } },
      {},
      true,
      { kind: 'deny', reason: 'app_blocked', malformed: 'blocked_apps' },
    ],
    [
      'blocked_apps a number (fails closed)',
      { blocked_apps: 1 },
      {},
      true,
      { kind: 'deny', reason: 'app_blocked', malformed: 'blocked_apps' },
    ],
    ['blocked_apps null is absent', { blocked_apps: null }, {}, true, allow],
    ['entitled', { entitlements: ['basic', 'premium'] }, { required_entitlement: 'premium' }, true, allow],
    [
      'not entitled',
      { entitlements: ['basic'] },
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required' },
    ],
    [
      'entitlements missing',
      {},
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required' },
    ],
    [
      'entitlements empty',
      { entitlements: [] },
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required' },
    ],
    [
      'entitlements a matching string (fails closed)',
      { entitlements: 'premium' },
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required', malformed: 'entitlements' },
    ],
    [
      'entitlements an object (fails closed)',
      { entitlements: { premium: true } },
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required', malformed: 'entitlements' },
    ],
    [
      'entitlements with non-string entries',
      { entitlements: [1, true, 'premium'] },
      { required_entitlement: 'premium' },
      true,
      allow,
    ],
    [
      'entitlement match is exact (case)',
      { entitlements: ['Premium'] },
      { required_entitlement: 'premium' },
      true,
      { kind: 'deny', reason: 'entitlement_required' },
    ],
    [
      'empty required_entitlement (fails closed)',
      { entitlements: ['premium'] },
      { required_entitlement: '' },
      true,
      { kind: 'deny', reason: 'entitlement_required', malformed: 'required_entitlement' },
    ],
    ['malformed entitlements ignored when none is required', { entitlements: 'junk' }, {}, true, allow],
    ['verified email required and verified', {}, { require_verified_email: 'true' }, true, allow],
    [
      'verified email required, not verified',
      {},
      { require_verified_email: 'true' },
      false,
      { kind: 'deny', reason: 'email_not_verified' },
    ],
    ['require_verified_email other than "true"', {}, { require_verified_email: 'false' }, false, allow],
    ['unverified email allowed when not required', {}, {}, false, allow],
    [
      'blocked wins over entitlement and email',
      { blocked_apps: [CLIENT] },
      { required_entitlement: 'premium', require_verified_email: 'true' },
      false,
      { kind: 'deny', reason: 'app_blocked' },
    ],
    [
      'entitlement wins over email',
      {},
      { required_entitlement: 'premium', require_verified_email: 'true' },
      false,
      { kind: 'deny', reason: 'entitlement_required' },
    ],
  ];
  it.each(cases)('%s', (_name, appMetadata, clientMetadata, verified, expected) => {
    expect(decide(gateEvent(appMetadata, clientMetadata, verified))).toEqual(expected);
  });

  it('never throws on a malformed event', () => {
    const broken = [
      { ...gateEvent({}), user: { ...gateEvent({}).user, app_metadata: null } },
      { ...gateEvent({}), client: { client_id: CLIENT, name: 'x' } },
      { ...gateEvent({}), client: undefined },
      { ...gateEvent({}), user: undefined },
    ] as unknown as Event[];
    for (const ev of broken) expect(() => decide(ev)).not.toThrow();
    expect(decide(broken[1] as Event)).toEqual(allow);
  });
});

describe('gate-apps bundle', () => {
  const action = loadBundle('gate-apps');

  it('allows a user with no restrictions', async () => {
    const result = await runOne(action, gateEvent({}));
    expect(result.outcome).toBe('allowed');
    expect(result.logs).toEqual([]);
  });

  it.each(['interactive', 'refresh-token', 'prompt-none', 'password'] as const)(
    'denies app_blocked on the %s flow',
    async (flow) => {
      const result = await runOne(action, gateEvent({ blocked_apps: [CLIENT] }, {}, true, flow));
      expect(result).toMatchObject({ outcome: 'denied', error: 'access_denied', reason: 'app_blocked' });
    },
  );

  it('denies entitlement_required, also on refresh', async () => {
    const result = await runOne(
      action,
      gateEvent({ entitlements: ['basic'] }, { required_entitlement: 'premium' }, true, 'refresh-token'),
    );
    expect(result).toMatchObject({ outcome: 'denied', reason: 'entitlement_required' });
  });

  it('denies email_not_verified where the client requires it', async () => {
    const result = await runOne(action, gateEvent({}, { require_verified_email: 'true' }, false));
    expect(result).toMatchObject({ outcome: 'denied', reason: 'email_not_verified' });
  });

  it('fails closed on a malformed list and logs the field name only', async () => {
    const result = await runOne(action, gateEvent({ blocked_apps: 'secret-client-value' }));
    expect(result).toMatchObject({ outcome: 'denied', reason: 'app_blocked' });
    expect(result.logs).toEqual([{ action: 'gate-apps', message: 'gate-apps: malformed blocked_apps' }]);
  });

  it('changes nothing else: no metadata writes, no claims', async () => {
    const result = await runOne(action, gateEvent({ blocked_apps: [CLIENT] }));
    expect(result.appMetadataWrites).toEqual({});
    expect(result.idTokenClaims).toEqual({});
  });

  it('an event without client metadata or app_metadata neither throws nor blocks', async () => {
    const ev = gateEvent({});
    (ev.client as unknown as Record<string, unknown>).metadata = undefined;
    (ev.user as unknown as Record<string, unknown>).app_metadata = 'garbage';
    const result = await runOne(action, ev);
    expect(result.outcome).toBe('allowed');
    expect(unexpectedErrors(result)).toEqual([]);
  });

  it('an unexpected error denies internal_error, never the message', async () => {
    // The runtime clones events, so call the compiled handler directly with a booby-trapped event.
    const ev = gateEvent({});
    Object.defineProperty(ev.user, 'app_metadata', {
      get() {
        throw new Error('boom: alice@example.com');
      },
    });
    const api = recordingApi();
    await expect(action.onExecutePostLogin(ev, api)).resolves.toBeUndefined();
    expect(api.denials).toEqual(['internal_error']);
  });
});
