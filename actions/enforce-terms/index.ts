import type { API, Event } from '../platform/post-login';
import { guarded } from '../lib/guard';
import { createLog } from '../lib/log';
import { readReturnedToken, SESSION_TOKEN_TTL_SECONDS } from '../lib/redirect';
import { readConfig, type TermsConfig } from './config';
import { decideContinue, decideExecute, isExempt } from './decide';

/** enforce-terms: the current Terms & Conditions must be accepted. Fails closed. */

const log = createLog('enforce-terms');

/** The config, or a configuration_error denial (logged by secret name, never by value). */
function configOrDeny(event: Event, api: API): TermsConfig | undefined {
  const result = readConfig(event);
  if (result.ok) return result.config;
  log(`missing or invalid secrets: ${result.problems.join(',')}`);
  api.access.deny('configuration_error');
  return undefined;
}

export async function onExecutePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      // An exempt client needs none of the configuration.
      if (isExempt(event)) return;
      const config = configOrDeny(event, api);
      if (!config) return;
      const outcome = decideExecute(event, config, Date.now());
      switch (outcome.kind) {
        case 'allow':
          if (outcome.why === 'grace') log('not accepted, allowed by TERMS_GRACE_UNTIL');
          return;
        case 'deny':
          api.access.deny(outcome.reason);
          return;
        case 'prompt': {
          const token = api.redirect.encodeToken({
            secret: config.sessionSecret,
            payload: outcome.payload,
            expiresInSeconds: SESSION_TOKEN_TTL_SECONDS,
          });
          api.redirect.sendUserTo(config.url.toString(), { query: { session_token: token } });
          return;
        }
      }
    },
    () => api.access.deny('internal_error'),
  );
}

export async function onContinuePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      const config = configOrDeny(event, api);
      if (!config) return;
      const outcome = decideContinue(readReturnedToken(api, config.sessionSecret), config, Date.now());
      if (outcome.kind === 'deny') {
        api.access.deny(outcome.reason);
        return;
      }
      api.user.setAppMetadata('terms', outcome.terms);
    },
    () => api.access.deny('internal_error'),
  );
}
