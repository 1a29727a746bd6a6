import type { Effects } from '../../runtime';
import type { Store } from '../store';
import type { Refusal, SignedInIdentity } from './authenticate';

/**
 * What a login's Actions asked for, applied to the stored user the way Auth0 does it: metadata
 * writes persisted before each redirect and at the end (root keys merge, `null` deletes), and
 * after `api.authentication.setPrimaryUser` the login goes on as that user, which Auth0 allows only
 * if the identity that signed in is now one of its secondaries (the Action linked it first).
 */

export interface LoginSubject {
  /** The user the login started as (the owner of the identity that signed in). */
  userId: string;
  identity: SignedInIdentity;
}

/** The user the login now stands for, or why it cannot go on. All in one transaction. */
export function applyEffects(
  store: Store,
  subject: LoginSubject,
  effects: Effects,
): { ok: true; userId: string } | { ok: false; refusal: Refusal } {
  return store.db.transaction((): { ok: true; userId: string } | { ok: false; refusal: Refusal } => {
    let userId = subject.userId;
    if (effects.primaryUserId !== undefined) {
      const owner = store.users.identityOwner(subject.identity.provider, subject.identity.id);
      if (owner?.user_id !== effects.primaryUserId) {
        return {
          ok: false,
          refusal: {
            error: 'access_denied',
            description: 'setPrimaryUser: the identity that signed in is not linked to that user',
            userId,
          },
        };
      }
      userId = effects.primaryUserId;
    }
    if (!store.users.get(userId)) {
      return { ok: false, refusal: { error: 'access_denied', description: 'The user of this login no longer exists' } };
    }
    // This step's writes only; an empty object would clear the metadata (Auth0's PATCH semantics).
    const { app_metadata: app, user_metadata: user } = effects.persistedWrites;
    const patch = {
      ...(Object.keys(app).length > 0 ? { app_metadata: app } : {}),
      ...(Object.keys(user).length > 0 ? { user_metadata: user } : {}),
    };
    if (Object.keys(patch).length > 0) store.users.update(userId, patch);
    return { ok: true, userId };
  })();
}
