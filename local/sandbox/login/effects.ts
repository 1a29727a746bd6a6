import type { Effects, MetadataWrites } from '../../runtime';
import type { JsonObject } from '../store';
import type { Store } from '../store';
import type { Refusal, SignedInIdentity } from './authenticate';

/**
 * What a login's Actions asked for, applied to the stored user the way Auth0 does it: metadata
 * writes persisted before each redirect and at the end (root keys merge, `null` deletes), and
 * after `api.authentication.setPrimaryUser` the login goes on as that user, which Auth0 allows only
 * if the identity that signed in is now one of its secondaries (the Action linked it first).
 */

/** Per login: what was already written, so each step applies only its own writes. */
export interface AppliedWrites {
  app: Map<string, string>;
  user: Map<string, string>;
}

export const noWritesYet = (): AppliedWrites => ({ app: new Map(), user: new Map() });

export interface LoginSubject {
  /** The user the login started as (the owner of the identity that signed in). */
  userId: string;
  identity: SignedInIdentity;
  applied: AppliedWrites;
}

/** The user the login now stands for, or why it cannot go on. All in one transaction. */
export function applyEffects(store: Store, subject: LoginSubject, effects: Effects): { ok: true; userId: string } | { ok: false; refusal: Refusal } {
  return store.db.transaction((): { ok: true; userId: string } | { ok: false; refusal: Refusal } => {
    let userId = subject.userId;
    if (effects.primaryUserId !== undefined) {
      const owner = store.users.identityOwner(subject.identity.provider, subject.identity.id);
      if (owner?.user_id !== effects.primaryUserId) {
        return {
          ok: false,
          refusal: { error: 'access_denied', description: 'setPrimaryUser: the identity that signed in is not linked to that user', userId },
        };
      }
      userId = effects.primaryUserId;
    }
    if (!store.users.get(userId)) {
      return { ok: false, refusal: { error: 'access_denied', description: 'The user of this login no longer exists' } };
    }
    const app = newWrites(effects.appMetadataWrites, subject.applied.app);
    const user = newWrites(effects.userMetadataWrites, subject.applied.user);
    if (app || user) store.users.update(userId, { ...(app ? { app_metadata: app } : {}), ...(user ? { user_metadata: user } : {}) });
    return { ok: true, userId };
  })();
}

/**
 * The runtime reports every write of the login so far (both sides of each redirect); the ones not
 * applied yet (new keys, or a new value for a key) are this step's. A key written again with the
 * value it already had is not re-applied: harmless unless something else changed it in between.
 */
function newWrites(all: MetadataWrites, applied: Map<string, string>): JsonObject | undefined {
  const fresh: JsonObject = {};
  for (const [key, value] of Object.entries(all)) {
    const text = JSON.stringify(value);
    if (applied.get(key) === text) continue;
    fresh[key] = value;
    applied.set(key, text);
  }
  // An empty object would clear the metadata (Auth0's PATCH semantics): only send real writes.
  return Object.keys(fresh).length > 0 ? fresh : undefined;
}
