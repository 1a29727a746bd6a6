import type { API, Event } from '../platform/post-login';
import { guarded } from '../lib/guard';
import { createLog } from '../lib/log';
import { decide } from './decide';

/** gate-apps: deny login to applications a user may not use. Every protocol, refresh included. */

const log = createLog('gate-apps');

export async function onExecutePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      const outcome = decide(event);
      if (outcome.kind === 'allow') return;
      if (outcome.malformed) log(`malformed ${outcome.malformed}`);
      api.access.deny(outcome.reason);
    },
    () => api.access.deny('internal_error'),
  ); // fail closed
}
