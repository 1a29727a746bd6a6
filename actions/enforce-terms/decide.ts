import type { Event, JsonObject } from '../platform/post-login';
import { isAccountService } from '../lib/account-service';
import { canRedirect } from '../lib/redirect';
import { asRecord } from '../lib/untrusted';
import type { TermsConfig } from './config';

/**
 * Whether the current Terms & Conditions stand accepted, and what to do when they do not.
 * Accepted means `app_metadata.terms.version === TERMS_VERSION` (app_metadata: the user cannot
 * edit it). Where no redirect is possible, a grace period may let the login through, never forever.
 */

export type ExecuteOutcome =
  | { kind: 'allow'; why: 'exempt' | 'accepted' | 'grace' }
  | { kind: 'prompt'; payload: JsonObject }
  | { kind: 'deny'; reason: 'terms_acceptance_required' };

/** `terms_exempt: "true"`, or the account service's client (see lib/account-service). */
export function isExempt(event: Event): boolean {
  return asRecord(event.client?.metadata)?.terms_exempt === 'true' || isAccountService(event);
}

export function hasAccepted(event: Event, version: string): boolean {
  return asRecord(asRecord(event.user?.app_metadata)?.terms)?.version === version;
}

export function decideExecute(event: Event, config: TermsConfig, now: number): ExecuteOutcome {
  if (hasAccepted(event, config.version)) return { kind: 'allow', why: 'accepted' };
  if (canRedirect(event)) return { kind: 'prompt', payload: { terms_version: config.version } };
  if (config.graceUntil !== undefined && now < config.graceUntil) return { kind: 'allow', why: 'grace' };
  return { kind: 'deny', reason: 'terms_acceptance_required' };
}

export type ContinueOutcome =
  | { kind: 'record'; terms: { version: string; accepted_at: string } }
  | { kind: 'deny'; reason: 'terms_declined' | 'terms_acceptance_required' | 'terms_invalid_session' };

/** `claims` are those of a validated token, or undefined when validation failed. */
export function decideContinue(
  claims: Record<string, unknown> | undefined,
  config: TermsConfig,
  now: number,
): ContinueOutcome {
  if (!claims) return { kind: 'deny', reason: 'terms_invalid_session' };
  if (claims.accepted === false) return { kind: 'deny', reason: 'terms_declined' };
  if (claims.accepted !== true) return { kind: 'deny', reason: 'terms_invalid_session' };
  // Accepted, but another version (the terms changed while the page was open): not an acceptance
  // of the current terms; the next interactive login asks again.
  if (claims.terms_version !== config.version) return { kind: 'deny', reason: 'terms_acceptance_required' };
  return { kind: 'record', terms: { version: config.version, accepted_at: new Date(now).toISOString() } };
}
