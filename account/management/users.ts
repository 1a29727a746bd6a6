import { ManagementClient, ManagementError } from 'auth0';
import type { ManagementConfig } from '../config';
import type { MetadataPatch } from '../profile/metadata';

/**
 * The profile pages' Management API access, through the official SDK with the least-privilege
 * M2M client (tenant.yaml's `Account Service M2M`: read:users, update:users). The SDK gets the
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
  identities: { provider: string; connection: string }[];
}

export interface ProfileStore {
  getUser(userId: string): Promise<ProfileUser | undefined>;
  /** Merges the patch into user_metadata (null removes a field); never touches app_metadata. */
  updateMetadata(userId: string, patch: MetadataPatch): Promise<void>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export function createProfileStore(config: ManagementConfig): ProfileStore {
  const sdk = new ManagementClient({
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    maxRetries: MAX_RETRIES,
    timeoutInSeconds: TIMEOUT_SECONDS,
    clientInfo: { name: 'auth0-profile-actions/account' },
  });
  return {
    async getUser(userId) {
      let user: Record<string, unknown>;
      try {
        user = record(await sdk.users.get(userId));
      } catch (error) {
        if (error instanceof ManagementError && error.statusCode === 404) return undefined;
        throw error;
      }
      const identities = Array.isArray(user['identities']) ? (user['identities'] as unknown[]) : [];
      return {
        userId,
        ...(text(user['email']) ? { email: text(user['email']) } : {}),
        emailVerified: user['email_verified'] === true,
        ...(text(user['name']) ? { name: text(user['name']) } : {}),
        ...(text(user['picture']) ? { picture: text(user['picture']) } : {}),
        userMetadata: record(user['user_metadata']),
        identities: identities.map((identity) => ({
          provider: text(record(identity)['provider']) ?? '',
          connection: text(record(identity)['connection']) ?? '',
        })),
      };
    },
    async updateMetadata(userId, patch) {
      if (Object.keys(patch).length === 0) return;
      await sdk.users.update(userId, { user_metadata: patch });
    },
  };
}
