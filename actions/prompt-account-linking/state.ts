import type { JsonObject } from '../platform/post-login';
import { asRecord, parseIsoTime } from '../lib/untrusted';

/**
 * `app_metadata.account_linking`: what the last look for linkable accounts found, so a returning
 * user costs no Management API call during the cooldown, and (while `pending`) which candidates
 * were offered, so /continue can check the page's answer against them after the redirect.
 */

export const MAX_CANDIDATES = 5;
/** Instances' clocks differ: a timestamp slightly ahead is still ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

export type LinkingState =
  | { status: 'declined' | 'no_candidates' | 'linked'; checkedAt: number }
  | { status: 'pending'; checkedAt: number; offered: string[] };

/** Validated on read: anything malformed (or dated in the future) counts as no state at all. */
export function readState(appMetadata: unknown, now: number): LinkingState | undefined {
  const record = asRecord(asRecord(appMetadata)?.account_linking);
  const checkedAt = parseIsoTime(record?.checked_at);
  if (!record || checkedAt === undefined || checkedAt > now + CLOCK_SKEW_MS) return undefined;
  const status = record.status;
  if (status === 'declined' || status === 'no_candidates' || status === 'linked') return { status, checkedAt };
  if (status !== 'pending') return undefined;
  const offered = record.offered;
  if (!Array.isArray(offered) || offered.length === 0 || offered.length > MAX_CANDIDATES) return undefined;
  if (!offered.every((id): id is string => typeof id === 'string' && id !== '')) return undefined;
  return { status, checkedAt, offered };
}

export function stateValue(state: LinkingState): JsonObject {
  const value: JsonObject = { status: state.status, checked_at: new Date(state.checkedAt).toISOString() };
  if (state.status === 'pending') value.offered = state.offered;
  return value;
}
