import jwt from 'jsonwebtoken';
import type { JsonObject, SessionTokenClaims } from '../../actions/platform/post-login';

/**
 * The HS256 session tokens of the redirect round trip, as Auth0 makes and checks them:
 * `encodeToken` signs iat/iss/sub/exp/ip plus the payload; `validateToken` checks the signature,
 * expiry, the `/continue` state and the subject.
 */

const ALGORITHM = 'HS256';

export interface EncodeInput {
  secret: string;
  payload: JsonObject;
  expiresInSeconds: number;
  subject: string;
  issuer: string;
  ip: string;
  nowMs: number;
}

export function encodeSessionToken(input: EncodeInput): string {
  if (typeof input.secret !== 'string' || input.secret.length === 0)
    throw new TypeError('encodeToken: secret must be a non-empty string');
  if (!Number.isFinite(input.expiresInSeconds) || input.expiresInSeconds <= 0)
    throw new TypeError('encodeToken: expiresInSeconds must be a positive number');
  const iat = Math.floor(input.nowMs / 1000);
  // Standard claims win over payload keys of the same name: a payload cannot forge `sub` or `exp`.
  const claims = {
    ...input.payload,
    iat,
    iss: input.issuer,
    sub: input.subject,
    exp: iat + input.expiresInSeconds,
    ip: input.ip,
  };
  return jwt.sign(claims, input.secret, { algorithm: ALGORITHM });
}

export interface ValidateInput {
  token: string;
  secret: string;
  state: string;
  subject: string;
  nowMs: number;
}

export function validateSessionToken(input: ValidateInput): SessionTokenClaims {
  const invalid = (why: string): Error => new Error(`The session token is invalid: ${why}`);
  let decoded: string | jwt.JwtPayload;
  try {
    decoded = jwt.verify(input.token, input.secret, {
      algorithms: [ALGORITHM],
      clockTimestamp: Math.floor(input.nowMs / 1000),
    });
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'verification failed');
  }
  if (typeof decoded === 'string') throw invalid('payload is not a JSON object');
  if (typeof decoded.exp !== 'number') throw invalid('missing exp');
  if (decoded['state'] !== input.state) throw invalid('state mismatch');
  if (decoded.sub !== input.subject) throw invalid('subject mismatch');
  return decoded as SessionTokenClaims;
}

export interface SignInput {
  secret: string;
  subject: string;
  state: string;
  payload?: JsonObject;
  expiresInSeconds?: number;
  issuer?: string;
  nowMs?: number;
}

/** What a customer's redirect page does before posting back to /continue. */
export function signSessionToken(input: SignInput): string {
  const iat = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const claims = {
    ...input.payload,
    iat,
    iss: input.issuer ?? 'localhost',
    sub: input.subject,
    state: input.state,
    exp: iat + (input.expiresInSeconds ?? 300),
  };
  return jwt.sign(claims, input.secret, { algorithm: ALGORITHM });
}
