import type { JsonValue } from '../store/json';
import type { Client, User } from '../store';
import type { IdTokenClaims } from './types';

const DEFAULT_LIFETIME_SECONDS = 36_000;
const PROFILE_CLAIMS = ['name', 'given_name', 'family_name', 'nickname', 'picture'] as const;

/**
 * The claims of the ID token Auth0 issues for `openid profile email`: the standard ones from the
 * user the login ended as, then the Actions' custom claims, which may override profile claims
 * (that is how override-profile works); the runtime already dropped the restricted ones.
 */
export function idTokenClaims(input: {
  issuer: string;
  user: User;
  client: Client;
  custom: Readonly<Record<string, JsonValue>>;
  nowMs: number;
}): IdTokenClaims {
  const { user, client } = input;
  const iat = Math.floor(input.nowMs / 1000);
  const configured = (client.jwt_configuration as { lifetime_in_seconds?: unknown } | undefined)?.lifetime_in_seconds;
  const lifetime = typeof configured === 'number' && configured > 0 ? configured : DEFAULT_LIFETIME_SECONDS;
  const profile: Record<string, JsonValue> = {};
  for (const claim of PROFILE_CLAIMS) {
    const value = user[claim];
    if (value !== undefined) profile[claim] = value;
  }
  return {
    ...profile,
    updated_at: user.updated_at,
    ...(user.email !== undefined ? { email: user.email, email_verified: user.email_verified } : {}),
    ...input.custom,
    iss: input.issuer,
    sub: user.user_id,
    aud: client.client_id,
    iat,
    exp: iat + lifetime,
  };
}
