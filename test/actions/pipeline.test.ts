import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, TERMS_VERSION, unexpectedErrors } from '../../tooling/harness';
import { createJourneyContext, journey, JOURNEYS } from '../../tooling/harness';

/** All four compiled Actions in binding order: gate-apps → prompt-account-linking → enforce-terms → override-profile. */

const executed = (steps: { executed: { action: string; handler: string }[] }): string[] =>
  steps.executed.map((e) => `${e.action}.${e.handler.replace('PostLogin', '')}`);

describe('pipeline journeys', () => {
  it('loads the four Actions in binding order', () => {
    expect(createJourneyContext().actions.map((a) => a.name)).toEqual([...ACTION_NAMES]);
  });

  it('new social user: linking prompt → link → terms → claims', async () => {
    const context = createJourneyContext();
    const run = await journey('new-social-user').run(context);
    expect(run.pages).toEqual(['linking', 'terms']);
    expect(run.steps.map((s) => s.outcome)).toEqual(['redirect', 'redirect', 'allowed']);
    const { result } = run;
    expect(executed(result)).toEqual([
      'gate-apps.onExecute',
      'prompt-account-linking.onExecute',
      'prompt-account-linking.onContinue',
      'enforce-terms.onExecute',
      'enforce-terms.onContinue',
      'override-profile.onExecute',
    ]);
    expect(result.primaryUserId).toBe('auth0|existing1');
    expect(context.mgmt.users.get('auth0|existing1')?.identities.map((i) => i.provider)).toEqual([
      'auth0',
      'google-oauth2',
    ]);
    expect(context.mgmt.users.get('auth0|existing1')?.user_metadata).toEqual({
      theme: 'dark',
      preferred_language: 'fr',
    });
    expect(result.appMetadataWrites.terms).toEqual({ version: TERMS_VERSION, accepted_at: expect.any(String) });
    expect(result.idTokenClaims).toEqual({ locale: 'fr' });
    // Offer: token + users-by-email. Continue (cold cache after the redirect): token, re-read both accounts, merge, link.
    expect(run.managementCalls).toBe(7);
    expect(unexpectedErrors(result)).toEqual([]);
  });

  it('new social user who declines: remembered, then terms and claims', async () => {
    const run = await journey('new-social-user-declines').run(createJourneyContext());
    expect(run.pages).toEqual(['linking', 'terms']);
    expect(run.result.outcome).toBe('allowed');
    expect(run.result.primaryUserId).toBeUndefined();
    expect(run.result.appMetadataWrites.account_linking).toMatchObject({ status: 'declined' });
    expect(run.managementCalls).toBe(2);
  });

  it('returning user with everything accepted: no redirect, zero Management API calls, claims set', async () => {
    const run = await journey('returning-user').run(createJourneyContext());
    expect(run.pages).toEqual([]);
    expect(run.result.outcome).toBe('allowed');
    expect(run.managementCalls).toBe(0);
    expect(run.result.appMetadataWrites).toEqual({});
    expect(run.result.idTokenClaims).toEqual({
      given_name: 'Augusta',
      nickname: 'countess',
      picture: 'https://cdn.example.com/ada.png',
      locale: 'en-GB',
    });
    expect(run.result.logs).toEqual([]);
  });

  it('refresh-token exchange of a returning user: allowed, zero calls, claims set', async () => {
    const run = await journey('refresh-token').run(createJourneyContext());
    expect(run.result.outcome).toBe('allowed');
    expect(run.managementCalls).toBe(0);
    expect(run.result.idTokenClaims).toMatchObject({ given_name: 'Augusta' });
  });

  it('blocked app: denied by gate-apps before any prompt or Management API call', async () => {
    const run = await journey('blocked-app').run(createJourneyContext());
    expect(run.pages).toEqual([]);
    expect(run.result).toMatchObject({ outcome: 'denied', error: 'access_denied', reason: 'app_blocked' });
    expect(executed(run.result)).toEqual(['gate-apps.onExecute']);
    expect(run.managementCalls).toBe(0);
    expect(run.result.appMetadataWrites).toEqual({});
  });

  it('terms version bump: re-prompted, new version recorded, no linking lookup', async () => {
    const run = await journey('terms-version-bump').run(createJourneyContext());
    expect(run.pages).toEqual(['terms']);
    expect(run.result.outcome).toBe('allowed');
    expect((run.result.appMetadataWrites.terms as { version: string }).version).toBe(TERMS_VERSION);
    expect(run.managementCalls).toBe(0);
    expect(run.result.idTokenClaims).toMatchObject({ locale: 'en-GB' });
  });

  it('a warm api.cache saves the token call on the offer', async () => {
    const context = createJourneyContext({ warmCache: true });
    await journey('new-social-user-declines').run(context);
    const again = await journey('new-social-user-declines').run(context);
    expect(again.managementCalls).toBe(1);
  });

  it('every journey is repeatable on one context (what the bench does)', async () => {
    const context = createJourneyContext();
    for (const j of JOURNEYS) {
      const [first, second] = [await j.run(context), await j.run(context)];
      expect(second.result.outcome, j.name).toBe(first.result.outcome);
      expect(second.managementCalls, j.name).toBe(first.managementCalls);
    }
  });
});
