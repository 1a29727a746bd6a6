import { createHash } from 'node:crypto';
import type { PendingDeletion, ProfileIdentity, ProfileStore, ProfileUser } from '../management/users';
import { identityKey } from './identities';

/**
 * Delete my account (docs/account.md, "Delete my account"): the steps, in an order that a retry
 * can always finish, and their execution.
 *
 * 1. Revoke the user's sessions, refresh tokens and grants. A failure stops everything: nothing
 *    is deleted while the user may still be signed in somewhere.
 * 2. Record the secondary identities in app_metadata, with the time, before unlinking them: an
 *    unlinked identity becomes a user of its own, which the primary no longer lists, and a retry
 *    soon after finds it there. An older record is ignored: the user it names may have been used
 *    as an account of its own since.
 * 3. Unlink each secondary identity, then revoke and delete the user it became (Auth0: "first
 *    unlink the accounts, and then delete the newly created secondary account").
 * 4. Delete the primary user last: while it exists, the user can sign in and try again.
 *
 * Every step succeeds when its target is already gone (404), so running the plan again after a
 * failure finishes it. Only what the confirmation page listed is deleted: the user with its
 * identities and the recorded users that still exist (the leftovers), read again by the post and
 * compared with the page's by `listingDigest`.
 */

/** How long a record is honoured: a retry comes soon after a failure, or not through it. */
export const PENDING_DELETION_MAX_AGE_SECONDS = 24 * 60 * 60;

/** The recorded secondary user ids that a deletion now still finishes (none once the record is old). */
export function currentPendingIds(
  pending: PendingDeletion | undefined,
  primaryId: string,
  nowSeconds: number,
): string[] {
  // A future time can only be another instance's clock skew: fresh.
  if (pending?.recordedAt === undefined || nowSeconds - pending.recordedAt > PENDING_DELETION_MAX_AGE_SECONDS)
    return [];
  return pending.secondaryUserIds.filter((id) => id !== primaryId);
}

/** What a deletion deletes: the user, and the users an earlier attempt unlinked that still exist. */
export interface DeletionTarget {
  user: ProfileUser;
  leftovers: ProfileUser[];
}

/** Reads the target as it is now; undefined when the user is gone. */
export async function readDeletionTarget(
  store: Pick<ProfileStore, 'getUser'>,
  userId: string,
  nowSeconds: number,
): Promise<DeletionTarget | undefined> {
  const user = await store.getUser(userId);
  if (!user) return undefined;
  const pendingIds = currentPendingIds(user.pendingDeletion, userId, nowSeconds);
  const found = await Promise.all(pendingIds.map((id) => store.getUser(id)));
  return { user, leftovers: found.filter((leftover): leftover is ProfileUser => leftover !== undefined) };
}

/**
 * A digest of the sign-in methods a target deletes (each identity's `provider|id`, sorted): the
 * page sends it with the form, and a post whose digest differs from the target read then deletes
 * nothing. An identity unlinked by a failed attempt is the same method whether linked or a
 * leftover, so the failed page's form still finishes the deletion.
 */
export function listingDigest(target: DeletionTarget): string {
  const keys = [target.user, ...target.leftovers].flatMap((user) => user.identities.map(identityKey)).sort();
  return createHash('sha256').update(JSON.stringify(keys), 'utf8').digest('base64url');
}

export type DeletionStep =
  | { kind: 'revoke'; userId: string }
  | { kind: 'record'; userId: string; pending: Required<PendingDeletion> }
  | { kind: 'unlink'; userId: string; identity: ProfileIdentity }
  | { kind: 'delete'; userId: string };

export function planDeletion({ user, leftovers }: DeletionTarget, nowSeconds: number): DeletionStep[] {
  const linked = user.identities.filter((identity) => !identity.primary);
  // The users the unlinks create are named `provider|id`, as Auth0 user ids.
  const secondaryUserIds = [...new Set([...leftovers.map((leftover) => leftover.userId), ...linked.map(identityKey)])];
  const pending = { secondaryUserIds, recordedAt: nowSeconds };
  return [
    { kind: 'revoke', userId: user.userId },
    ...(linked.length > 0 ? [{ kind: 'record' as const, userId: user.userId, pending }] : []),
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
      else if (step.kind === 'record') await store.recordPendingDeletion(step.userId, step.pending);
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
