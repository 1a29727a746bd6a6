import jwt from 'jsonwebtoken';

/**
 * The session tokens of an Action's redirect round trip (docs/actions.md, "Pages"): the Action's
 * token is HS256 with its SESSION_TOKEN_SECRET and lives 10 minutes; the page's answer is signed
 * with the same secret for the same `sub` and the login's `state`. The consent and linking pages
 * read and add their own claims.
 */

const ALGORITHM = 'HS256';
/** How long the signed answer may take to reach /continue (the auto-post is immediate). */
const ANSWER_TTL_SECONDS = 300;
const MAX_TOKEN_LENGTH = 4096;
// A user id: a provider prefix and up to 255 characters.
const MAX_SUB_LENGTH = 512;

export type TokenProblem = 'invalid' | 'expired';

export type ActionTokenResult =
  { ok: true; sub: string; exp: number; claims: jwt.JwtPayload } | { ok: false; problem: TokenProblem };

export function verifyActionToken(token: string, secret: string, nowMs: number): ActionTokenResult {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'invalid' };
  let claims: string | jwt.JwtPayload;
  try {
    // The algorithm is pinned: no `none`, no RS/HS confusion.
    claims = jwt.verify(token, secret, { algorithms: [ALGORITHM], clockTimestamp: Math.floor(nowMs / 1000) });
  } catch (error) {
    return { ok: false, problem: error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
  }
  const { sub, exp } = typeof claims === 'string' ? {} : claims;
  if (typeof claims === 'string' || typeof sub !== 'string' || sub === '' || sub.length > MAX_SUB_LENGTH) {
    return { ok: false, problem: 'invalid' };
  }
  if (typeof exp !== 'number') return { ok: false, problem: 'invalid' };
  return { ok: true, sub, exp, claims };
}

export function signActionAnswer(
  to: { secret: string; sub: string; state: string; nowMs: number },
  answer: Record<string, unknown>,
): string {
  const iat = Math.floor(to.nowMs / 1000);
  const claims = { ...answer, sub: to.sub, state: to.state, iat, exp: iat + ANSWER_TTL_SECONDS };
  return jwt.sign(claims, to.secret, { algorithm: ALGORITHM });
}
