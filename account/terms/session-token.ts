import { signActionAnswer, verifyActionToken, type TokenProblem } from '../security/action-token';
import { VERSION_PATTERN } from './content';

/**
 * The consent page's half of the enforce-terms round trip (docs/actions.md, "What the consent page
 * must do"). The Action's token is HS256 with its SESSION_TOKEN_SECRET, lives 10 minutes and
 * carries `sub` and `{terms_version}` only; the answer is signed with the same secret for the same
 * `sub` and the login's `state`, with `{accepted, terms_version}`, exactly what enforce-terms reads.
 */

export interface TermsRequest {
  sub: string;
  termsVersion: string;
  /** Epoch seconds: the Action's token expiry. */
  exp: number;
}

export type VerifyResult = { ok: true; request: TermsRequest } | { ok: false; problem: TokenProblem };

export function verifyTermsToken(token: string, secret: string, nowMs: number): VerifyResult {
  const verified = verifyActionToken(token, secret, nowMs);
  if (!verified.ok) return verified;
  const version: unknown = verified.claims['terms_version'];
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) return { ok: false, problem: 'invalid' };
  return { ok: true, request: { sub: verified.sub, termsVersion: version, exp: verified.exp } };
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
  return signActionAnswer(answer, { accepted: answer.accepted, terms_version: answer.termsVersion });
}
