import type { Event, JsonObject, JsonValue } from '../platform/post-login';
import { decide as gate } from '../gate-apps/decide';
import { LIMITS } from '../platform/limits';
import type { ManagedUser } from '../lib/management';
import { isAccountService } from '../lib/account-service';
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
  | { kind: 'skip'; why: 'account_service' | 'not_interactive' | 'email_unverified' | 'already_linked' | 'cooldown' }
  | { kind: 'lookup'; email: string };

export function decideExecute(event: Event, config: LinkingConfig, now: number): ExecuteOutcome {
  if (isAccountService(event)) return { kind: 'skip', why: 'account_service' };
  if (!canRedirect(event)) return { kind: 'skip', why: 'not_interactive' };
  const email = asNonEmptyString(event.user?.email);
  if (!email || event.user.email_verified !== true) return { kind: 'skip', why: 'email_unverified' };
  // A user who already has linked identities cannot become someone's secondary without orphaning them.
  if (Array.isArray(event.user.identities) && event.user.identities.length > 1)
    return { kind: 'skip', why: 'already_linked' };
  const state = readState(event.user.app_metadata, now);
  if (state && COOLDOWN_STATUSES.has(state.status) && now - state.checkedAt < config.cooldownMs)
    return { kind: 'skip', why: 'cooldown' };
  return { kind: 'lookup', email };
}

/** What the linking page may show: no emails, names or other personal data. */
export interface Candidate {
  user_id: string;
  connection: string;
  provider: string;
}

export type OfferOutcome =
  { kind: 'none'; state: LinkingState } | { kind: 'offer'; candidates: Candidate[]; state: LinkingState };

export function decideOffer(event: Event, found: ManagedUser[], now: number): OfferOutcome {
  const email = event.user.email ?? '';
  const blocks = readStringList(asRecord(event.user.app_metadata)?.blocked_apps);
  const candidates: Candidate[] = [];
  // gate-apps denies an unreadable blocked_apps before this Action runs; were it not so, no link could carry it.
  for (const user of blocks.kind === 'malformed' ? [] : found) {
    if (candidates.length === MAX_CANDIDATES) break;
    if (unfitPrimary(event, email, user, blocks.kind === 'list' ? blocks.items : [])) continue;
    const identity = user.identities.find((i) => `${i.provider}|${i.user_id}` === user.user_id) ?? user.identities[0];
    if (!identity) continue;
    candidates.push({ user_id: user.user_id, connection: identity.connection ?? '', provider: identity.provider });
  }
  if (candidates.length === 0) return { kind: 'none', state: { status: 'no_candidates', checkedAt: now } };
  return {
    kind: 'offer',
    candidates,
    state: { status: 'pending', checkedAt: now, offered: candidates.map((c) => c.user_id) },
  };
}

type UnfitPrimary =
  'candidate_blocked' | 'candidate_ineligible' | 'primary_id_too_long' | 'primary_gated' | 'would_lift_block';

/**
 * Why `candidate` may not become the primary of the identity that logged in (whose email is
 * `email` and whose `blocked_apps` are `blocks`), or undefined. The offer and the link apply the
 * same checks (the link on fresh reads), so nobody is offered an account the link would refuse.
 */
function unfitPrimary(
  event: Event,
  email: string,
  candidate: ManagedUser,
  blocks: readonly string[],
): UnfitPrimary | undefined {
  if (candidate.blocked) return 'candidate_blocked';
  if (
    !candidate.email_verified ||
    candidate.email?.toLowerCase() !== email.toLowerCase() ||
    candidate.user_id === event.user.user_id
  ) {
    return 'candidate_ineligible';
  }
  // setPrimaryUser refuses it, and only after the link, which leaves the login on a deleted user.
  if (candidate.user_id.length > LIMITS.primaryUserIdChars) return 'primary_id_too_long';
  // After the link the application gets tokens for the primary, which gate-apps (run on the
  // identity that logged in) never checked: a link must not hand over an account that is blocked
  // from, or not entitled to, this application. An unreadable blocked_apps is denied here too.
  const asPrimary: Event = {
    ...event,
    user: {
      ...event.user,
      app_metadata: candidate.app_metadata as JsonObject,
      email_verified: candidate.email_verified,
    },
  };
  if (gate(asPrimary).kind === 'deny') return 'primary_gated';
  // The secondary's metadata does not survive the link, so its blocks must already be the
  // primary's. A link never writes blocked_apps itself: it is an administrator's list, and with no
  // conditional write in the Management API a read-modify-write could undo a block set meanwhile.
  const held = readStringList(candidate.app_metadata.blocked_apps);
  const primaryBlocks = held.kind === 'list' ? held.items : [];
  if (blocks.some((app) => !primaryBlocks.includes(app))) return 'would_lift_block';
  return undefined;
}

export function offerPayload(candidates: Candidate[]): JsonObject {
  return {
    candidates: candidates.map((c) => ({ user_id: c.user_id, connection: c.connection, provider: c.provider })),
  };
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
export function decideContinue(
  claims: Record<string, unknown> | undefined,
  event: Event,
  now: number,
): ContinueOutcome {
  if (!claims) return { kind: 'invalid', why: 'token' };
  const declined = claims.declined === true;
  const linkTo = claims.link_to;
  if (declined && linkTo === undefined) return { kind: 'declined', state: { status: 'declined', checkedAt: now } };
  if (declined || typeof linkTo !== 'string' || claims.declined !== undefined)
    return { kind: 'invalid', why: 'answer' };
  const state = readState(event.user?.app_metadata, now);
  if (state?.status !== 'pending' || !state.offered.includes(linkTo)) return { kind: 'invalid', why: 'not_offered' };
  return { kind: 'verify', linkTo };
}

export type LinkOutcome =
  | {
      kind: 'skip';
      why:
        | UnfitPrimary
        | 'user_gone'
        | 'user_blocked'
        | 'candidate_gone'
        | 'email_unverified'
        | 'bad_user_id'
        | 'restrictions_unreadable';
    }
  | { kind: 'link'; primaryId: string; secondary: { provider: string; user_id: string }; patch: JsonObject };

/**
 * The last checks before linking the current identity under `primary`, both read fresh from the
 * Management API (`self` is the identity that logged in): an administrator may have blocked either
 * account during the round trip, and a link would hand out tokens for a blocked primary, or drop a
 * blocked secondary's record (and so its block).
 */
export function decideLink(
  event: Event,
  primary: ManagedUser | undefined,
  self: ManagedUser | undefined,
  now: number,
): LinkOutcome {
  if (!primary) return { kind: 'skip', why: 'candidate_gone' };
  if (primary.blocked) return { kind: 'skip', why: 'candidate_blocked' };
  if (!self) return { kind: 'skip', why: 'user_gone' };
  if (self.blocked) return { kind: 'skip', why: 'user_blocked' };
  const email = asNonEmptyString(event.user.email);
  if (!email || event.user.email_verified !== true) return { kind: 'skip', why: 'email_unverified' };
  const blocks = readStringList(self.app_metadata.blocked_apps);
  if (blocks.kind === 'malformed') return { kind: 'skip', why: 'restrictions_unreadable' };
  const unfit = unfitPrimary(event, email, primary, blocks.kind === 'list' ? blocks.items : []);
  if (unfit) return { kind: 'skip', why: unfit };
  // user_id is `provider|id` and the id may itself contain `|`: split at the first one only.
  const bar = event.user.user_id.indexOf('|');
  if (bar <= 0 || bar === event.user.user_id.length - 1) return { kind: 'skip', why: 'bad_user_id' };
  return {
    kind: 'link',
    primaryId: primary.user_id,
    secondary: { provider: event.user.user_id.slice(0, bar), user_id: event.user.user_id.slice(bar + 1) },
    patch: mergePatch(self, primary, now),
  };
}

/**
 * The metadata policy for a link (only the primary's profile survives it), as a PATCH body for the
 * primary. The Management API merges top-level metadata keys, and the body holds only keys this
 * link adds, so whatever else is written meanwhile stands:
 * - user_metadata: the primary wins; keys only the secondary has are copied (user preferences).
 * - app_metadata: nothing of the secondary travels. Grants (entitlements, terms acceptance) must
 *   not; restrictions (`blocked_apps`) are already the primary's, or there is no link.
 * - `account_linking` on the primary records the link, so its next logins skip the lookup.
 */
export function mergePatch(secondary: ManagedUser, primary: ManagedUser, now: number): JsonObject {
  const appMetadata: JsonObject = { account_linking: { status: 'linked', checked_at: new Date(now).toISOString() } };
  const userMetadata: JsonObject = {};
  for (const [key, value] of Object.entries(secondary.user_metadata)) {
    // Management API metadata is JSON; only its shape is untrusted.
    if (!Object.hasOwn(primary.user_metadata, key)) userMetadata[key] = value as JsonValue;
  }
  return Object.keys(userMetadata).length > 0
    ? { app_metadata: appMetadata, user_metadata: userMetadata }
    : { app_metadata: appMetadata };
}
