import type { API, Event } from '../platform/post-login';
import { guarded } from '../lib/guard';
import { createLog } from '../lib/log';
import {
  createManagementClient,
  ManagementError,
  type ManagementClient,
  type ManagementErrorCode,
} from '../lib/management';
import { readReturnedToken, SESSION_TOKEN_TTL_SECONDS } from '../lib/redirect';
import { readConfig, type LinkingConfig } from './config';
import { decideContinue, decideExecute, decideLink, decideOffer, offerPayload, type LinkOutcome } from './decide';
import { stateValue } from './state';

/**
 * prompt-account-linking: offer to link accounts that share a verified email. Optional, so it
 * fails open: bad configuration, a Management API failure or an unexpected error skip the prompt
 * (or the link) and the login goes on. Only a forged or mismatched answer from the page denies.
 */

const log = createLog('prompt-account-linking');

/** Failures after which a write may or may not have happened. */
const UNKNOWN_OUTCOME: ReadonlySet<ManagementErrorCode> = new Set(['timeout', 'network', 'budget']);

function configOrSkip(event: Event): LinkingConfig | undefined {
  const result = readConfig(event);
  if (!result.ok) {
    log(`skipped, missing or invalid secrets: ${result.problems.join(',')}`);
    return undefined;
  }
  if (result.warnings.length > 0) log(`invalid ${result.warnings.join(',')}, default used`);
  return result.config;
}

/** Management API failures skip; anything else goes on to the handler's guard. */
async function orSkip(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ManagementError)) throw error;
    log(`skipped, management api ${error.code}`);
  }
}

export async function onExecutePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      const config = configOrSkip(event);
      if (!config) return;
      const now = Date.now();
      const outcome = decideExecute(event, config, now);
      if (outcome.kind === 'skip') return;
      await orSkip(async () => {
        const found = await createManagementClient(config.management, api.cache).usersByEmail(outcome.email);
        const offer = decideOffer(event, found, now);
        api.user.setAppMetadata('account_linking', stateValue(offer.state));
        if (offer.kind === 'none') return;
        const token = api.redirect.encodeToken({
          secret: config.sessionSecret,
          payload: offerPayload(offer.candidates),
          expiresInSeconds: SESSION_TOKEN_TTL_SECONDS,
        });
        api.redirect.sendUserTo(config.linkingUrl.toString(), { query: { session_token: token } });
      });
    },
    () => undefined,
  );
}

export async function onContinuePostLogin(event: Event, api: API): Promise<void> {
  await guarded(
    log,
    async () => {
      const config = configOrSkip(event);
      if (!config) return;
      const now = Date.now();
      const answer = decideContinue(readReturnedToken(api, config.sessionSecret), event, now);
      switch (answer.kind) {
        case 'invalid':
          log(`invalid answer: ${answer.why}`);
          api.access.deny('linking_invalid_session');
          return;
        case 'declined':
          api.user.setAppMetadata('account_linking', stateValue(answer.state));
          return;
        case 'verify':
          break;
      }
      await orSkip(async () => {
        const client = createManagementClient(config.management, api.cache);
        const primary = await client.getUser(answer.linkTo);
        // The identity that logged in, as it is now (only when there is someone to link it to).
        const self = primary && (await client.getUser(event.user.user_id));
        const link = decideLink(event, primary, self, now);
        if (link.kind === 'skip') {
          log(`link skipped: ${link.why}`);
          return;
        }
        // Merge first: if the link then fails, the primary only gained preferences and restrictions.
        await client.updateUser(link.primaryId, link.patch);
        if (await linkIdentity(config, api, client, link)) api.authentication.setPrimaryUser(link.primaryId);
      });
    },
    () => undefined,
  );
}

/**
 * Links, and says whether the identity now sits under the primary. A link call that timed out may
 * have happened all the same: then a fresh read (with its own time budget) decides, so the login
 * does not go on as an account that no longer exists on its own.
 */
async function linkIdentity(
  config: LinkingConfig,
  api: API,
  client: ManagementClient,
  link: Extract<LinkOutcome, { kind: 'link' }>,
): Promise<boolean> {
  try {
    await client.linkIdentity(link.primaryId, link.secondary);
    return true;
  } catch (error) {
    if (!(error instanceof ManagementError) || !UNKNOWN_OUTCOME.has(error.code)) throw error;
    log(`link answer lost (${error.code}), checking`);
    const primary = await createManagementClient(config.management, api.cache).getUser(link.primaryId);
    return (
      primary?.identities.some((i) => i.provider === link.secondary.provider && i.user_id === link.secondary.user_id) ??
      false
    );
  }
}
