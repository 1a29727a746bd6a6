import { describe, expect, it } from 'vitest';
import type { Event } from '../../actions/platform/post-login';
import { runLogin } from '../../local/runtime';
import {
  createFakeManagementApi,
  databaseUser,
  event,
  fakeUserFrom,
  loadPipeline,
  unexpectedErrors,
} from '../../tooling/harness';

/**
 * The account service's own client (`account_service: "true"` in its client metadata): its logins
 * are the linking page's proof of control and the self-service pages, so neither prompt may send
 * them away (the proof would loop back to the page it proves for), while gate-apps' blocks apply
 * as to every client. All four compiled bundles, in binding order.
 */

const ACCOUNT_CLIENT_ID = 'account-service-client';

/** A new Google user whose verified email also belongs to a database account, terms never accepted. */
function setup(clientMetadata: Record<string, string>, appMetadata: Record<string, string[]> = {}) {
  const ev: Event = event(
    { user: 'google', returning: false, flow: 'interactive', emailVerified: true, seed: 11, clientMetadata },
    { client: { client_id: ACCOUNT_CLIENT_ID }, user: { app_metadata: appMetadata } },
  );
  const mgmt = createFakeManagementApi({
    users: [fakeUserFrom(ev.user), databaseUser('db1', ev.user.email as string)],
  });
  return { ev, mgmt, login: () => runLogin({ actions: loadPipeline(mgmt.fetch), event: ev }) };
}

describe('the account service client', () => {
  it('is sent to neither the linking nor the consent page, and makes no Management API call', async () => {
    const { mgmt, login } = setup({ account_service: 'true' });
    const result = await login();
    expect(result.outcome).toBe('allowed');
    expect(result.appMetadataWrites).toEqual({});
    expect(mgmt.count()).toBe(0);
    expect(unexpectedErrors(result)).toEqual([]);
  });

  it('only with exactly "true": another value prompts as for any client', async () => {
    for (const value of ['yes', 'TRUE', '1']) {
      const { login } = setup({ account_service: value });
      const result = await login();
      expect(result.outcome).toBe('redirect');
      if (result.outcome === 'redirect') expect(new URL(result.url).pathname).toBe('/link');
    }
  });

  it('is still denied by gate-apps when the user is blocked from it', async () => {
    const { mgmt, login } = setup({ account_service: 'true' }, { blocked_apps: [ACCOUNT_CLIENT_ID] });
    const result = await login();
    expect(result).toMatchObject({ outcome: 'denied', reason: 'app_blocked' });
    expect(mgmt.count()).toBe(0);
  });
});
