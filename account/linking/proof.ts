import type { LoginChecks } from '../oidc/tenant-login';
import type { PendingConsent } from '../terms/pending';

/**
 * The proof of control in progress, in the encrypted session between `POST /link` and the nested
 * login's callback: which offered account the user chose, for which Action token and login, and
 * the OIDC checks of the nested login. One at a time, used once: the callback takes it out before
 * anything else, so a replayed callback finds none.
 */

export interface LinkProof {
  /** The Action's token, to show the page again after a failed proof. */
  token: string;
  /** The Action token's `sub`, `exp` (epoch seconds) and the login's `state`. */
  sub: string;
  exp: number;
  state: string;
  /** The offered account's user id: the nested login must return exactly this `sub`. */
  candidate: string;
  uiLocales?: string;
  checks: LoginChecks;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    /** The linking pages opened in this browser: which `state` came with which Action token. */
    pendingLinks: PendingConsent[];
    linkProof: LinkProof;
  }
}

const str = (value: unknown): value is string => typeof value === 'string';

/** The session's value as stored by us, read defensively. */
export function readProof(value: unknown): LinkProof | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const proof = value as Partial<LinkProof>;
  const checks = proof.checks as Partial<LoginChecks> | undefined;
  if (
    !str(proof.token) ||
    !str(proof.sub) ||
    typeof proof.exp !== 'number' ||
    !str(proof.state) ||
    !str(proof.candidate) ||
    (proof.uiLocales !== undefined && !str(proof.uiLocales)) ||
    typeof checks !== 'object' ||
    checks === null ||
    !str(checks.verifier) ||
    !str(checks.state) ||
    !str(checks.nonce)
  )
    return undefined;
  return proof as LinkProof;
}

export type ProofOutcome = { kind: 'link'; linkTo: string } | { kind: 'refuse'; why: 'another_account' | 'expired' };

/**
 * What the nested login proved. Only the exact offered account counts: another account the user
 * controls (even one with the same email) is not what the Action offered and would be refused by
 * it anyway; here it is refused before anything is signed.
 */
export function decideProof(proof: LinkProof, sub: string, nowMs: number): ProofOutcome {
  if (proof.exp <= Math.floor(nowMs / 1000)) return { kind: 'refuse', why: 'expired' };
  if (sub !== proof.candidate) return { kind: 'refuse', why: 'another_account' };
  return { kind: 'link', linkTo: proof.candidate };
}
