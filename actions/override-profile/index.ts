import type { API, Event } from '../platform/post-login';
import { guarded } from '../lib/guard';
import { createLog } from '../lib/log';
import { decide } from './decide';

/**
 * override-profile: user_metadata choices win over the identity provider's profile in the ID token.
 * It decides no access, so an unexpected error only means no overrides for this login.
 */

const log = createLog('override-profile');

export async function onExecutePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      const { claims, invalid } = decide(event);
      if (invalid.length > 0) log(`ignored invalid user_metadata: ${invalid.join(',')}`);
      for (const [claim, value] of Object.entries(claims)) api.idToken.setCustomClaim(claim, value);
    },
    () => undefined,
  );
}
