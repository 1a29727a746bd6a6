import jwt from 'jsonwebtoken';

/**
 * The linking page's half of the prompt-account-linking round trip (docs/actions.md, "What the
 * linking page must do"). The Action's token is HS256 with its SESSION_TOKEN_SECRET, lives 10
 * minutes and carries `sub` and `{candidates: [{user_id, connection, provider}]}` (1 to 5, no
 * emails or names). The answer is signed with the same secret for the same `sub` and the login's
 * `state`, with exactly `{link_to}` or `{declined: true}`: what the Action's onContinue reads.
 */

const ALGORITHM = 'HS256';
/** How long the signed answer may take to reach /continue (the auto-post is immediate). */
export const ANSWER_TTL_SECONDS = 300;
const MAX_TOKEN_LENGTH = 4096;
/** prompt-account-linking's MAX_CANDIDATES. */
const MAX_CANDIDATES = 5;

export interface Candidate {
  user_id: string;
  connection: string;
  provider: string;
}

export interface LinkingRequest {
  sub: string;
  candidates: Candidate[];
  /** Epoch seconds: the Action's token expiry. */
  exp: number;
}

export type VerifyResult = { ok: true; request: LinkingRequest } | { ok: false; problem: 'invalid' | 'expired' };

const text = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value !== '' && value.length <= max;

function readCandidates(value: unknown): Candidate[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CANDIDATES) return undefined;
  const candidates: Candidate[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { user_id: userId, connection, provider } = item as Record<string, unknown>;
    if (!text(userId, 256) || !text(connection, 128) || !text(provider, 128)) return undefined;
    candidates.push({ user_id: userId, connection, provider });
  }
  return candidates;
}

export function verifyLinkingToken(token: string, secret: string, nowMs: number): VerifyResult {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, problem: 'invalid' };
  let claims: string | jwt.JwtPayload;
  try {
    // The algorithm is pinned: no `none`, no RS/HS confusion.
    claims = jwt.verify(token, secret, { algorithms: [ALGORITHM], clockTimestamp: Math.floor(nowMs / 1000) });
  } catch (error) {
    return { ok: false, problem: error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid' };
  }
  if (typeof claims === 'string' || !text(claims.sub, 256) || typeof claims.exp !== 'number')
    return { ok: false, problem: 'invalid' };
  const candidates = readCandidates(claims['candidates']);
  if (!candidates) return { ok: false, problem: 'invalid' };
  return { ok: true, request: { sub: claims.sub, candidates, exp: claims.exp } };
}

export type LinkingAnswer = { link_to: string } | { declined: true };

export function signLinkingAnswer(input: {
  secret: string;
  sub: string;
  state: string;
  answer: LinkingAnswer;
  nowMs: number;
}): string {
  const iat = Math.floor(input.nowMs / 1000);
  const claims = { ...input.answer, sub: input.sub, state: input.state, iat, exp: iat + ANSWER_TTL_SECONDS };
  return jwt.sign(claims, input.secret, { algorithm: ALGORITHM });
}
