import type { Event, JsonObject, JsonValue } from '../types/post-login';
import { decide as gate } from '../gate-apps/decide';
import type { ManagedUser } from '../lib/management';
import { canRedirect } from '../lib/redirect';
import { asNonEmptyString, asRecord, readStringList } from '../lib/untrusted';
import type { LinkingConfig } from './config';
import { MAX_CANDIDATES, readState, type LinkingState } from './state';

/**
 * Account linking decisions, pure. The flow: onExecute looks up other accounts with the same
 * verified email and offers them; the linking page makes the user authenticate the chosen one and
 * posts back a signed answer; onContinue links only an offered candidate whose email is still the
 * same and still verified. Email alone never links: the page's signed answer is the proof.
 */

const COOLDOWN_STATUSES = new Set(['declined', 'no_candidates', 'linked']);

export type ExecuteOutcome =
  | { kind: 'skip'; why: 'not_interactive' | 'email_unverified' | 'already_linked' | 'cooldown' }
  | { kind: 'lookup'; email: string };

export function decideExecute(event: Event, config: LinkingConfig, now: number): ExecuteOutcome {
  if (!canRedirect(event)) return { kind: 'skip', why: 'not_interactive' };
  const email = asNonEmptyString(event.user?.email);
  if (!email || event.user.email_verified !== true) return { kind: 'skip', why: 'email_unverified' };
  // A user who already has linked identities cannot become someone's secondary without orphaning them.
  if (Array.isArray(event.user.identities) && event.user.identities.length > 1) return { kind: 'skip', why: 'already_linked' };
  const state = readState(event.user.app_metadata, now);
  if (state && COOLDOWN_STATUSES.has(state.status) && now - state.checkedAt < config.cooldownMs) return { kind: 'skip', why: 'cooldown' };
  return { kind: 'lookup', email };
}

/** What the linking page may show: no emails, names or other personal data. */
export interface Candidate {
  user_id: string;
  connection: string;
  provider: string;
}

export type OfferOutcome =
  | { kind: 'none'; state: LinkingState }
  | { kind: 'offer'; candidates: Candidate[]; state: LinkingState };

export function decideOffer(event: Event, found: ManagedUser[], now: number): OfferOutcome {
  const email = (event.user.email ?? '').toLowerCase();
  const candidates: Candidate[] = [];
  for (const user of found) {
    if (candidates.length === MAX_CANDIDATES) break;
    if (user.user_id === event.user.user_id || user.blocked || !user.email_verified || user.email?.toLowerCase() !== email) continue;
    const identity = user.identities.find((i) => `${i.provider}|${i.user_id}` === user.user_id) ?? user.identities[0];
    if (!identity) continue;
    candidates.push({ user_id: user.user_id, connection: identity.connection ?? '', provider: identity.provider });
  }
  if (candidates.length === 0) return { kind: 'none', state: { status: 'no_candidates', checkedAt: now } };
  return { kind: 'offer', candidates, state: { status: 'pending', checkedAt: now, offered: candidates.map((c) => c.user_id) } };
}

export function offerPayload(candidates: Candidate[]): JsonObject {
  return { candidates: candidates.map((c) => ({ user_id: c.user_id, connection: c.connection, provider: c.provider })) };
}

export type ContinueOutcome =
  | { kind: 'invalid'; why: 'token' | 'answer' | 'not_offered' }
  | { kind: 'declined'; state: LinkingState }
  | { kind: 'verify'; linkTo: string };

/**
 * `claims` are those of the validated page token (undefined when validation failed). The answer is
 * exactly one of `{declined: true}` or `{link_to}`, and link_to must be among the offered ids
 * recorded in app_metadata before the redirect (api.cache may not survive it; app_metadata does,
 * and the user cannot edit it).
 */
export function decideContinue(claims: Record<string, unknown> | undefined, event: Event, now: number): ContinueOutcome {
  if (!claims) return { kind: 'invalid', why: 'token' };
  const declined = claims.declined === true;
  const linkTo = claims.link_to;
  if (declined && linkTo === undefined) return { kind: 'declined', state: { status: 'declined', checkedAt: now } };
  if (declined || typeof linkTo !== 'string' || claims.declined !== undefined) return { kind: 'invalid', why: 'answer' };
  const state = readState(event.user?.app_metadata, now);
  if (state?.status !== 'pending' || !state.offered.includes(linkTo)) return { kind: 'invalid', why: 'not_offered' };
  return { kind: 'verify', linkTo };
}

export type LinkOutcome =
  | { kind: 'skip'; why: 'user_gone' | 'user_blocked' | 'candidate_gone' | 'candidate_blocked' | 'candidate_ineligible' | 'email_unverified' | 'bad_user_id' | 'restrictions_unreadable' | 'primary_gated' }
  | { kind: 'link'; primaryId: string; secondary: { provider: string; user_id: string }; patch: JsonObject };

/**
 * The last checks before linking the current identity under `primary`, both read fresh from the
 * Management API (`self` is the identity that logged in): an administrator may have blocked either
 * account during the round trip, and a link would hand out tokens for a blocked primary, or drop a
 * blocked secondary's record (and so its block).
 */
export function decideLink(event: Event, primary: ManagedUser | undefined, self: ManagedUser | undefined, now: number): LinkOutcome {
  if (!primary) return { kind: 'skip', why: 'candidate_gone' };
  if (primary.blocked) return { kind: 'skip', why: 'candidate_blocked' };
  if (!self) return { kind: 'skip', why: 'user_gone' };
  if (self.blocked) return { kind: 'skip', why: 'user_blocked' };
  const email = asNonEmptyString(event.user.email);
  if (!email || event.user.email_verified !== true) return { kind: 'skip', why: 'email_unverified' };
  if (!primary.email_verified || primary.email?.toLowerCase() !== email.toLowerCase() || primary.user_id === event.user.user_id) {
    return { kind: 'skip', why: 'candidate_ineligible' };
  }
  // After the link the application gets tokens for the primary, which gate-apps (run on the
  // identity that logged in) never checked: a link must not hand over an account that is blocked
  // from, or not entitled to, this application.
  const asPrimary: Event = { ...event, user: { ...event.user, app_metadata: primary.app_metadata as JsonObject, email_verified: primary.email_verified } };
  if (gate(asPrimary).kind === 'deny') return { kind: 'skip', why: 'primary_gated' };
  // user_id is `provider|id` and the id may itself contain `|`: split at the first one only.
  const bar = event.user.user_id.indexOf('|');
  if (bar <= 0 || bar === event.user.user_id.length - 1) return { kind: 'skip', why: 'bad_user_id' };
  const patch = mergePatch(event, primary, now);
  if (!patch) return { kind: 'skip', why: 'restrictions_unreadable' };
  return {
    kind: 'link',
    primaryId: primary.user_id,
    secondary: { provider: event.user.user_id.slice(0, bar), user_id: event.user.user_id.slice(bar + 1) },
    patch,
  };
}

/**
 * The metadata policy for a link (only the primary's profile survives it), as a PATCH body for the
 * primary (the Management API merges top-level metadata keys):
 * - user_metadata: the primary wins; keys only the secondary has are copied (user preferences).
 * - app_metadata: grants never travel (entitlements, terms acceptance, anything else); restrictions
 *   do: the primary's `blocked_apps` becomes the union of both, so linking cannot lift a block.
 *   A primary `blocked_apps` that is unreadable already blocks everything and is left alone; an
 *   unreadable secondary one cannot be carried, so the link is skipped.
 * - `account_linking` on the primary records the link, so its next logins skip the lookup.
 */
export function mergePatch(event: Event, primary: ManagedUser, now: number): JsonObject | undefined {
  const secondaryApp = asRecord(event.user.app_metadata) ?? {};
  const secondaryBlocked = readStringList(secondaryApp.blocked_apps);
  if (secondaryBlocked.kind === 'malformed') return undefined;

  const appMetadata: JsonObject = { account_linking: { status: 'linked', checked_at: new Date(now).toISOString() } };
  const primaryBlocked = readStringList(primary.app_metadata.blocked_apps);
  if (primaryBlocked.kind !== 'malformed' && secondaryBlocked.kind === 'list') {
    const current = primaryBlocked.kind === 'list' ? primaryBlocked.items : [];
    const added = secondaryBlocked.items.filter((id) => !current.includes(id));
    if (added.length > 0) appMetadata.blocked_apps = [...new Set([...current, ...added])];
  }

  const userMetadata: JsonObject = {};
  for (const [key, value] of Object.entries(asRecord(event.user.user_metadata) ?? {})) {
    // The event's metadata is JSON; only its shape is untrusted.
    if (!Object.hasOwn(primary.user_metadata, key)) userMetadata[key] = value as JsonValue;
  }
  return Object.keys(userMetadata).length > 0 ? { app_metadata: appMetadata, user_metadata: userMetadata } : { app_metadata: appMetadata };
}
