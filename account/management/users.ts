import { randomBytes } from 'node:crypto';
import { ManagementClient, ManagementError, type Management } from 'auth0';
import type { ManagementConfig } from '../config';
import type { MetadataPatch } from '../profile/metadata';

/**
 * The profile pages' Management API access, through the official SDK with the least-privilege
 * M2M client (tenant.yaml's `Account Service M2M`: read:users, update:users, and for the account
 * deletion delete:users, delete:sessions, delete:refresh_tokens, delete:grants). The SDK gets the
 * client-credentials token and keeps it until it expires; it retries 429 and 5xx answers
 * (`maxRetries`), waiting as Retry-After / X-RateLimit-Reset say (else exponential backoff), so a
 * burst is absorbed before the page says "Temporarily unavailable".
 */

const MAX_RETRIES = 3;
const TIMEOUT_SECONDS = 10;

/** What the profile page shows: the normalized profile, the user's own metadata, the identities. */
export interface ProfileUser {
  userId: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  picture?: string;
  userMetadata: Record<string, unknown>;
  identities: ProfileIdentity[];
  /** app_metadata.account_deletion: the record of a deletion in progress, if any. */
  pendingDeletion?: PendingDeletion;
  /** app_metadata.email_change: the nonce this service replaces with every email change it makes ('' before the first). */
  emailChangeNonce: string;
}

export interface ProfileIdentity {
  provider: string;
  connection: string;
  /** The identity's id at its provider (a user id is `provider|userId`). */
  userId: string;
  /** The identity the user id is made of: it cannot be unlinked from its own user. */
  primary: boolean;
}

/** The secondary user ids a deletion unlinks, and when it recorded them. */
export interface PendingDeletion {
  secondaryUserIds: string[];
  /** Seconds since the epoch; absent from a record written before it had one. */
  recordedAt?: number;
}

export interface ProfileStore {
  getUser(userId: string): Promise<ProfileUser | undefined>;
  /** Merges the patch into user_metadata (null removes a field); never touches app_metadata. */
  updateMetadata(userId: string, patch: MetadataPatch): Promise<void>;
  /**
   * Everything the tenant holds about the user, as the Management API returns it (profile,
   * user_metadata, app_metadata with the terms history and the linking state, identities), or
   * undefined when the user is gone. The M2M client has no read:user_idp_tokens: no provider
   * token is in it.
   */
  exportUser(userId: string): Promise<Record<string, unknown> | undefined>;
  /**
   * Sets the password of the user's database identity on `connection`; the tenant applies the
   * connection's password policy. Resolves to 'weak' when the tenant refuses the password.
   */
  changePassword(userId: string, connection: string, password: string): Promise<'changed' | 'weak'>;
  /** Detaches a secondary identity: it becomes a user of its own again. */
  unlinkIdentity(userId: string, identity: ProfileIdentity): Promise<void>;
  // Account deletion (profile/deletion.ts): each of these succeeds when its target is already gone
  // (404), so an interrupted deletion is finished by trying again.
  /** Ends the user's sessions, refresh tokens and grants (consents). */
  revokeAccess(userId: string): Promise<void>;
  /** Records it before unlinking, so a retry finds the users the unlinks create. */
  recordPendingDeletion(userId: string, pending: Required<PendingDeletion>): Promise<void>;
  /** Detaches a secondary identity for deletion: done if it is no longer linked. */
  detachIdentity(userId: string, identity: ProfileIdentity): Promise<void>;
  deleteUser(userId: string): Promise<void>;
  /** The ids of the users with this email on any connection (Auth0 keeps database emails lower-cased). */
  findUserIdsByEmail(email: string): Promise<string[]>;
  /**
   * Sets the email of the user's database identity on `connection`, verified (the user proved
   * the mailbox), and a fresh `app_metadata.email_change` nonce in the same PATCH (so the links
   * issued before no longer match, see emailChangeState). Resolves to 'refused' when the tenant
   * refuses the address (e.g. already used).
   */
  changeEmail(userId: string, connection: string, email: string): Promise<'changed' | 'refused'>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The app_metadata key of a deletion in progress (never written from user input). */
const DELETION_KEY = 'account_deletion';
/** The app_metadata key of the email change's nonce (written by changeEmail only, never from user input). */
const EMAIL_CHANGE_KEY = 'email_change';

/** Resolves when the call succeeds or its target is already gone (404). */
async function unlessGone(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ManagementError && error.statusCode === 404) return;
    throw error;
  }
}

/** The deletion record as stored (app_metadata.account_deletion), as a ProfileUser field. */
function pendingDeletionOf(value: unknown): Pick<ProfileUser, 'pendingDeletion'> {
  const stored = record(value);
  const ids = stored['secondary_user_ids'];
  if (!Array.isArray(ids)) return {};
  const recordedAt = stored['recorded_at'];
  return {
    pendingDeletion: {
      secondaryUserIds: ids.filter((id): id is string => typeof id === 'string' && id !== ''),
      ...(typeof recordedAt === 'number' && Number.isFinite(recordedAt) ? { recordedAt } : {}),
    },
  };
}

export function createProfileStore(config: ManagementConfig): ProfileStore {
  const sdk = new ManagementClient({
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    maxRetries: MAX_RETRIES,
    timeoutInSeconds: TIMEOUT_SECONDS,
    clientInfo: { name: 'auth0-profile-actions/account' },
  });
  const read = async (userId: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return record(await sdk.users.get(userId));
    } catch (error) {
      if (error instanceof ManagementError && error.statusCode === 404) return undefined;
      throw error;
    }
  };
  return {
    exportUser: read,
    async getUser(userId) {
      const user = await read(userId);
      if (!user) return undefined;
      const identities = Array.isArray(user['identities']) ? (user['identities'] as unknown[]) : [];
      return {
        userId,
        ...(text(user['email']) ? { email: text(user['email']) } : {}),
        emailVerified: user['email_verified'] === true,
        ...(text(user['name']) ? { name: text(user['name']) } : {}),
        ...(text(user['picture']) ? { picture: text(user['picture']) } : {}),
        userMetadata: record(user['user_metadata']),
        ...pendingDeletionOf(record(user['app_metadata'])[DELETION_KEY]),
        emailChangeNonce: text(record(user['app_metadata'])[EMAIL_CHANGE_KEY]) ?? '',
        identities: identities.map((item) => {
          const identity = record(item);
          const provider = text(identity['provider']) ?? '';
          const id = identity['user_id'];
          const identityUserId = typeof id === 'string' || typeof id === 'number' ? String(id) : '';
          return {
            provider,
            connection: text(identity['connection']) ?? '',
            userId: identityUserId,
            primary: `${provider}|${identityUserId}` === userId,
          };
        }),
      };
    },
    async updateMetadata(userId, patch) {
      if (Object.keys(patch).length === 0) return;
      await sdk.users.update(userId, { user_metadata: patch });
    },
    async changePassword(userId, connection, password) {
      try {
        await sdk.users.update(userId, { password, connection });
        return 'changed';
      } catch (error) {
        // 400: the password policy (length, complexity, history, dictionary, personal data).
        if (error instanceof ManagementError && error.statusCode === 400) return 'weak';
        throw error;
      }
    },
    async unlinkIdentity(userId, identity) {
      // The provider is the Management API's own value for this identity, read just before.
      await sdk.users.identities.delete(
        userId,
        identity.provider as Management.UserIdentityProviderEnum,
        identity.userId,
      );
    },
    async revokeAccess(userId) {
      await unlessGone(sdk.users.sessions.delete(userId));
      await unlessGone(sdk.users.refreshToken.delete(userId));
      await unlessGone(sdk.userGrants.deleteByUserId({ user_id: userId }));
    },
    async recordPendingDeletion(userId, pending) {
      // The Management API merges app_metadata's top-level keys: the user's other keys stay, and
      // this one is replaced whole (an older record with it).
      const stored = { secondary_user_ids: pending.secondaryUserIds, recorded_at: pending.recordedAt };
      await sdk.users.update(userId, { app_metadata: { [DELETION_KEY]: stored } });
    },
    async detachIdentity(userId, identity) {
      await unlessGone(
        sdk.users.identities.delete(userId, identity.provider as Management.UserIdentityProviderEnum, identity.userId),
      );
    },
    async deleteUser(userId) {
      await unlessGone(sdk.users.delete(userId));
    },
    async findUserIdsByEmail(email) {
      // The search is case-sensitive: the lower-cased form (database users) and the typed one.
      const variants = [...new Set([email.toLowerCase(), email])];
      const found = await Promise.all(
        variants.map((variant) => sdk.users.listUsersByEmail({ email: variant, fields: 'user_id' })),
      );
      return [...new Set(found.flat().flatMap((user) => (text(user.user_id) ? [user.user_id as string] : [])))];
    },
    async changeEmail(userId, connection, email) {
      try {
        // Verified: the user opened the link sent to it; so no verification email (verify_email: false).
        // The nonce in the same PATCH: the email and it change together or not at all.
        await sdk.users.update(userId, {
          email,
          email_verified: true,
          verify_email: false,
          connection,
          app_metadata: { [EMAIL_CHANGE_KEY]: randomBytes(16).toString('base64url') },
        });
        return 'changed';
      } catch (error) {
        if (error instanceof ManagementError && (error.statusCode === 400 || error.statusCode === 409))
          return 'refused';
        throw error;
      }
    },
  };
}
