/**
 * What a Management API response says about the tenant's rate limit, and how long to wait after a
 * 429: shared by the reader of plan/deploy and the users tool (the Actions carry their own copy,
 * since a bundle must be self-contained).
 */

/** The longest pause a 429 may impose on a run. */
const MAX_PAUSE_MS = 60_000;

/** What a response says about the rate limit. */
export interface RateHeaders {
  remaining?: number;
  /** Epoch milliseconds. */
  resetAt?: number;
  /** From Retry-After (seconds or an HTTP date), in milliseconds from now. */
  retryAfterMs?: number;
}

export function readRateHeaders(headers: { get(name: string): string | null }, now: number = Date.now()): RateHeaders {
  const out: RateHeaders = {};
  const remaining = Number.parseInt(headers.get('x-ratelimit-remaining') ?? '', 10);
  if (Number.isFinite(remaining)) out.remaining = remaining;
  // Auth0 sends the reset as epoch seconds.
  const reset = Number.parseInt(headers.get('x-ratelimit-reset') ?? '', 10);
  if (Number.isFinite(reset)) out.resetAt = reset * 1000;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) out.retryAfterMs = seconds * 1000;
    else if (Number.isFinite(date)) out.retryAfterMs = Math.max(0, date - now);
  }
  return out;
}

/** How long to wait before another attempt (a 429; with empty headers, a 5xx): what the server said, else exponential backoff. */
export function retryDelay(headers: RateHeaders, attempt: number, now: number = Date.now()): number {
  if (headers.retryAfterMs !== undefined) return Math.min(headers.retryAfterMs, MAX_PAUSE_MS);
  if (headers.resetAt !== undefined && headers.resetAt > now) return Math.min(headers.resetAt - now, MAX_PAUSE_MS);
  return Math.min(1000 * 2 ** attempt, 30_000);
}
