import type { Event } from '../platform/post-login';
import { asNonEmptyString, asRecord, readStringList } from '../lib/untrusted';

/**
 * Which applications a user may log in to. Checks run in this order and the first failure wins.
 * Unreadable data is read in the direction that denies: a `blocked_apps` that is not an array
 * blocks every application, a malformed `entitlements` grants nothing, and a client that declares
 * `required_entitlement` with an empty value lets nobody in.
 */

export type GateDenyReason = 'app_blocked' | 'entitlement_required' | 'email_not_verified';

export type GateOutcome =
  | { kind: 'allow' }
  /** `malformed` names the metadata field that could not be read (for the log, never the value). */
  | { kind: 'deny'; reason: GateDenyReason; malformed?: string };

export function decide(event: Event): GateOutcome {
  const appMetadata = asRecord(event.user?.app_metadata) ?? {};
  const clientMetadata = asRecord(event.client?.metadata) ?? {};
  const clientId = event.client?.client_id;

  const blocked = readStringList(appMetadata.blocked_apps);
  if (blocked.kind === 'malformed') return { kind: 'deny', reason: 'app_blocked', malformed: 'blocked_apps' };
  if (blocked.kind === 'list' && typeof clientId === 'string' && blocked.items.includes(clientId)) {
    return { kind: 'deny', reason: 'app_blocked' };
  }

  if (Object.hasOwn(clientMetadata, 'required_entitlement')) {
    const required = asNonEmptyString(clientMetadata.required_entitlement);
    const entitlements = readStringList(appMetadata.entitlements);
    if (entitlements.kind === 'malformed')
      return { kind: 'deny', reason: 'entitlement_required', malformed: 'entitlements' };
    if (!required) return { kind: 'deny', reason: 'entitlement_required', malformed: 'required_entitlement' };
    if (entitlements.kind === 'absent' || !entitlements.items.includes(required))
      return { kind: 'deny', reason: 'entitlement_required' };
  }

  if (clientMetadata.require_verified_email === 'true' && event.user?.email_verified !== true) {
    return { kind: 'deny', reason: 'email_not_verified' };
  }

  return { kind: 'allow' };
}
