/**
 * Errors the tool reports to the operator. Every message names the problem and the fix, and never
 * carries a secret (tokens, client secrets, ticket URLs are never put into an error).
 */

/** Bad invocation: unknown flag, missing argument, malformed input file. Exit code 2. */
export class UsageError extends Error {
  constructor(
    problem: string,
    readonly fix: string,
  ) {
    super(problem);
    this.name = 'UsageError';
  }
}

/** Why a command could not be carried out for one user. Exit code 1. */
export type FailureKind =
  | 'unknown_user'
  | 'ambiguous_email'
  | 'invalid_state'
  | 'wrong_connection'
  | 'unknown_client'
  | 'rate_limited'
  /** The API refused the request (4xx): nothing was changed. */
  | 'api_error'
  /** No usable answer (5xx, network, timeout): the change may or may not have happened. */
  | 'api_unavailable'
  | 'in_doubt'
  /** Ctrl-C stopped the item before its next request was sent: a resume rechecks it. */
  | 'interrupted';

export class CommandError extends Error {
  /** The HTTP status of the Management API answer behind it, when there was one. */
  status?: number;

  constructor(
    readonly kind: FailureKind,
    problem: string,
    readonly fix: string,
  ) {
    super(problem);
    this.name = 'CommandError';
  }
}

/** `problem — fix`, the one-line form used in output and bulk summaries. */
export function describeError(error: unknown): { kind: FailureKind | 'usage' | 'internal'; message: string } {
  if (error instanceof UsageError) return { kind: 'usage', message: `${error.message} — ${error.fix}` };
  if (error instanceof CommandError) return { kind: error.kind, message: `${error.message} — ${error.fix}` };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}
