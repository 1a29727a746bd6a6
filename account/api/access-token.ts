import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/**
 * The profile API's bearer tokens: access tokens the tenant issued for the profile API's audience
 * (tenant.yaml's `PROFILE_API_AUDIENCE`), verified with jose against the tenant's JWKS
 * (`createRemoteJWKSet(<issuer>.well-known/jwks.json)` in the service; a local set in tests):
 * RS256 only, the tenant's issuer, the API's audience, not expired, and the scope the route needs.
 * Failures come back as the stable codes of RFC 6750, never the token or why jose refused it.
 */

export type ProfileScope = 'read:profile' | 'update:profile';

export interface AccessTokenPolicy {
  /** `https://<tenant domain>/`, as the tenant writes `iss`. */
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  /** Seconds of clock difference allowed on exp/nbf. */
  clockToleranceSeconds?: number;
}

export type TokenCheck =
  | { ok: true; sub: string; scopes: string[] }
  /** invalid_token → 401 with WWW-Authenticate; insufficient_scope → 403 naming the scope. */
  | { ok: false; error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' };

const MAX_TOKEN_LENGTH = 8192;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '');
  return match?.[1] !== undefined && match[1].length <= MAX_TOKEN_LENGTH ? match[1] : undefined;
}

export async function verifyAccessToken(
  authorization: string | undefined,
  required: ProfileScope,
  policy: AccessTokenPolicy,
  nowMs: number = Date.now(),
): Promise<TokenCheck> {
  const token = bearerToken(authorization);
  if (!token) return { ok: false, error: 'invalid_request' };
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, policy.keys, {
      algorithms: ['RS256'],
      issuer: policy.issuer,
      audience: policy.audience,
      currentDate: new Date(nowMs),
      clockTolerance: policy.clockToleranceSeconds ?? 0,
      requiredClaims: ['sub', 'exp'],
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) return { ok: false, error: 'invalid_token' };
    throw error;
  }
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub === '') return { ok: false, error: 'invalid_token' };
  const scope = payload['scope'];
  const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
  if (!scopes.includes(required)) return { ok: false, error: 'insufficient_scope' };
  return { ok: true, sub, scopes };
}
