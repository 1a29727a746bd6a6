import { signActionAnswer, verifyActionToken, type TokenProblem } from '../security/action-token';

/**
 * The linking page's half of the prompt-account-linking round trip (docs/actions.md, "What the
 * linking page must do"). The Action's token is HS256 with its SESSION_TOKEN_SECRET, lives 10
 * minutes and carries `sub` and `{candidates: [{user_id, connection, provider}]}` (1 to 5, no
 * emails or names). The answer is signed with the same secret for the same `sub` and the login's
 * `state`, with exactly `{link_to}` or `{declined: true}`: what the Action's onContinue reads.
 */

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

export type VerifyResult = { ok: true; request: LinkingRequest } | { ok: false; problem: TokenProblem };

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
  const verified = verifyActionToken(token, secret, nowMs);
  if (!verified.ok) return verified;
  const candidates = readCandidates(verified.claims['candidates']);
  if (!candidates) return { ok: false, problem: 'invalid' };
  return { ok: true, request: { sub: verified.sub, candidates, exp: verified.exp } };
}

export type LinkingAnswer = { link_to: string } | { declined: true };

export function signLinkingAnswer(input: {
  secret: string;
  sub: string;
  state: string;
  answer: LinkingAnswer;
  nowMs: number;
}): string {
  return signActionAnswer(input, input.answer);
}
