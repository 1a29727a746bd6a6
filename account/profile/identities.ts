import type { ProfileIdentity, ProfileUser } from '../management/users';

/**
 * Which identity a "Unlink" asks for, checked against the user as the Management API has them
 * now: only one of their own secondary identities, and never the last one (the primary identity,
 * which the user id is made of, stays; a user with one identity has nothing to unlink).
 */

export type UnlinkDecision =
  { ok: true; identity: ProfileIdentity } | { ok: false; problem: 'not_found' | 'primary' | 'last' };

/** The form's value for an identity: `provider|userId`, as in Auth0 user ids. */
export const identityKey = (identity: Pick<ProfileIdentity, 'provider' | 'userId'>): string =>
  `${identity.provider}|${identity.userId}`;

export function decideUnlink(user: ProfileUser, key: unknown): UnlinkDecision {
  const identity = user.identities.find((candidate) => identityKey(candidate) === key);
  if (!identity) return { ok: false, problem: 'not_found' };
  if (user.identities.length < 2) return { ok: false, problem: 'last' };
  if (identity.primary) return { ok: false, problem: 'primary' };
  return { ok: true, identity };
}
