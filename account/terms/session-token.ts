import jwt from 'jsonwebtoken';
import { VERSION_PATTERN } from './content';

/**
 * The consent page's half of the enforce-terms round trip (docs/actions.md, "What the consent page
 * must do"). The Action's token is HS256 with its SESSION_TOKEN_SECRET, lives 10 minutes and
 * carries `sub` and `{terms_version}` only; the answer is signed with the same secret for the same
 * `sub` and the login's `state`, with `{accepted, terms_version}`, exactly what enforce-terms reads.
 */

const ALGORITHM = 'HS256';
/** How long the signed answer may take to reach /continue (the auto-post is immediate). */
export const ANSWER_TTL_SECONDS = 300;
const MAX_TOKEN_LENGTH = 4096;

export interface TermsRequest {
  sub: string;
  termsVersion: string;
  /** Epoch seconds: the Action's token expiry. */
  exp: number;
}

export type VerifyResult = { ok: true; request: TermsRequest } | { ok: false; problem: 'invalid' | 'expired' };

export function verifyTermsToken(token: string, secret: string, nowMs: number): VerifyResult {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'invalid' };
  let claims: string | jwt.JwtPayload;
  try {
    // The algorithm is pinned: no `none`, no RS/HS confusion.
    claims = jwt.verify(token, secret, { algorithms: [ALGORITHM], clockTimestamp: Math.floor(nowMs / 1000) });
  } catch (error) {
    return { ok: false, problem: error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
  }
  if (
    typeof claims === 'string' ||
    typeof claims.sub !== 'string' ||
    claims.sub === '' ||
    typeof claims.exp !== 'number'
  ) {
    return { ok: false, problem: 'invalid' };
  }
  const version: unknown = claims['terms_version'];
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) return { ok: false, problem: 'invalid' };
  return { ok: true, request: { sub: claims.sub, termsVersion: version, exp: claims.exp } };
}

export interface Answer {
  secret: string;
  sub: string;
  state: string;
  accepted: boolean;
  /** The version the user was shown: enforce-terms refuses an acceptance of another one. */
  termsVersion: string;
  nowMs: number;
}

export function signTermsAnswer(answer: Answer): string {
  const iat = Math.floor(answer.nowMs / 1000);
  const claims = {
    accepted: answer.accepted,
    terms_version: answer.termsVersion,
    sub: answer.sub,
    state: answer.state,
    iat,
    exp: iat + ANSWER_TTL_SECONDS,
  };
  return jwt.sign(claims, answer.secret, { algorithm: ALGORITHM });
}
