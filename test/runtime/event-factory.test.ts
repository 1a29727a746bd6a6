import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../local/runtime';

describe('event factory', () => {
  it('is deterministic for a seed and varies across seeds', () => {
    expect(buildEvent({ seed: 42 })).toEqual(buildEvent({ seed: 42 }));
    expect(buildEvent({ seed: 42 }).user.user_id).not.toBe(buildEvent({ seed: 43 }).user.user_id);
  });

  it('builds database, social and linked users', () => {
    const db = buildEvent({ user: 'database' });
    expect(db.user.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(db.connection).toMatchObject({ name: 'Username-Password-Authentication', strategy: 'auth0' });

    const google = buildEvent({ user: 'google' });
    expect(google.user.user_id).toMatch(/^google-oauth2\|\d{21}$/);
    expect(google.connection).toMatchObject({ name: 'google-oauth2', strategy: 'google-oauth2' });
    expect(google.user.identities[0]?.isSocial).toBe(true);

    const linked = buildEvent({ user: 'linked' });
    expect(linked.user.identities.map((i) => i.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(linked.user.user_id.startsWith('auth0|')).toBe(true);
  });

  it('models verified and unverified emails, first and returning logins', () => {
    expect(buildEvent({ emailVerified: false }).user.email_verified).toBe(false);
    expect(buildEvent({ returning: false }).stats.logins_count).toBe(1);
    expect(buildEvent({ returning: true }).stats.logins_count).toBeGreaterThan(1);
  });

  it('models each flow with its protocol and prompt', () => {
    expect(buildEvent({ flow: 'interactive' }).transaction?.protocol).toBe('oidc-basic-profile');
    expect(buildEvent({ flow: 'refresh-token' }).transaction?.protocol).toBe('oauth2-refresh-token');
    expect(buildEvent({ flow: 'refresh-token' }).refresh_token).toBeDefined();
    expect(buildEvent({ flow: 'password' }).transaction?.protocol).toBe('oauth2-password');
    const silent = buildEvent({ flow: 'prompt-none' });
    expect(silent.transaction?.prompt).toEqual(['none']);
    expect(silent.request.query['prompt']).toBe('none');
  });

  it('takes secrets, client metadata and deep overrides', () => {
    const event = buildEvent(
      { secrets: { A: '1' }, clientMetadata: { terms_exempt: 'true' } },
      { client: { client_id: 'web' }, user: { app_metadata: { blocked_apps: ['x'] }, identities: [] } },
    );
    expect(event.secrets).toEqual({ A: '1' });
    expect(event.client).toMatchObject({ client_id: 'web', name: 'Web App', metadata: { terms_exempt: 'true' } });
    expect(event.user.app_metadata).toEqual({ blocked_apps: ['x'] });
    expect(event.user.identities).toEqual([]);
    expect(event.user.email).toBeDefined();
  });
});
