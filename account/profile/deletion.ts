import { createHash } from 'node:crypto';
import type { ProfileIdentity, ProfileStore, ProfileUser } from '../management/users';
import { identityKey } from './identities';

/**
 * Delete my account (docs/account.md, "Delete my account"): the steps, in an order that a retry
 * can always finish, and their execution.
 *
 * 1. Revoke the user's sessions, refresh tokens and grants. A failure stops everything: nothing
 *    is deleted while the user may still be signed in somewhere.
 * 2. Record the secondary identities in app_metadata before unlinking them: an unlinked identity
 *    becomes a user of its own, which the primary no longer lists, and a retry finds it there.
 * 3. Unlink each secondary identity, then revoke and delete the user it became (Auth0: "first
 *    unlink the accounts, and then delete the newly created secondary account").
 * 4. Delete the primary user last: while it exists, the user can sign in and try again.
 *
 * Every step succeeds when its target is already gone (404), so running the plan again after a
 * failure finishes it.
 */

export type DeletionStep =
  | { kind: 'revoke'; userId: string }
  | { kind: 'record'; userId: string; secondaryUserIds: string[] }
  | { kind: 'unlink'; userId: string; identity: ProfileIdentity }
  | { kind: 'delete'; userId: string };

export function planDeletion(user: ProfileUser, pending: readonly string[]): DeletionStep[] {
  const linked = user.identities.filter((identity) => !identity.primary);
  // The users the unlinks create are named `provider|id`, as Auth0 user ids.
  const secondaryUserIds = [...new Set([...pending, ...linked.map(identityKey)])].filter((id) => id !== user.userId);
  return [
    { kind: 'revoke', userId: user.userId },
    ...(linked.length > 0 ? [{ kind: 'record' as const, userId: user.userId, secondaryUserIds }] : []),
    ...linked.map((identity) => ({ kind: 'unlink' as const, userId: user.userId, identity })),
    ...secondaryUserIds.flatMap((userId) => [
      { kind: 'revoke' as const, userId },
      { kind: 'delete' as const, userId },
    ]),
    { kind: 'delete', userId: user.userId },
  ];
}

export type DeletionResult =
  | { outcome: 'deleted'; usersDeleted: number }
  | { outcome: 'failed'; usersDeleted: number; failedStep: DeletionStep['kind']; error: unknown };

type DeletionEffects = Pick<ProfileStore, 'revokeAccess' | 'recordPendingDeletion' | 'detachIdentity' | 'deleteUser'>;

/** Runs the steps in order and stops at the first failure (the rest is left for a retry). */
export async function runDeletion(store: DeletionEffects, steps: readonly DeletionStep[]): Promise<DeletionResult> {
  let usersDeleted = 0;
  for (const step of steps) {
    try {
      if (step.kind === 'revoke') await store.revokeAccess(step.userId);
      else if (step.kind === 'record') await store.recordPendingDeletion(step.userId, step.secondaryUserIds);
      else if (step.kind === 'unlink') await store.detachIdentity(step.userId, step.identity);
      else {
        await store.deleteUser(step.userId);
        usersDeleted += 1;
      }
    } catch (error) {
      return { outcome: 'failed', usersDeleted, failedStep: step.kind, error };
    }
  }
  return { outcome: 'deleted', usersDeleted };
}

/**
 * The audit line of one deletion: no email, name or user id. `user` is the sha256 of the user id,
 * which matches a user id someone already holds (a support request, the tenant's own logs) and
 * reveals none.
 */
export interface DeletionAudit {
  audit: 'account_deletion';
  user: string;
  outcome: 'deleted' | 'failed' | 'already_deleted';
  /** Users deleted by this attempt: the primary and the ones its secondary identities became. */
  identities_removed: number;
  failed_step?: DeletionStep['kind'];
}

export const userIdDigest = (userId: string): string => createHash('sha256').update(userId, 'utf8').digest('hex');
