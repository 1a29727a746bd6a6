import { setTimeout as sleep } from 'node:timers/promises';
import { CommandError } from './errors';
import type { RateHeaders } from '../rate-headers';

/**
 * Keeps every Management API request of one run under the tenant's rate limit: a token bucket at
 * `rate` requests per second that all callers share, plus a global pause whenever the API says
 * stop (a 429's Retry-After, or `x-ratelimit-remaining: 0` until `x-ratelimit-reset`).
 *
 * Auth0 limits per tenant, and other clients of the tenant draw from the same budget, so the
 * configured rate is a ceiling, not a promise: after a 429 the rate halves, then climbs back by
 * a twentieth of the ceiling per successful request (AIMD), so a shared tenant settles just under
 * what is left for us instead of hammering it.
 */
export interface RateGateOptions {
  /** Requests per second (the ceiling). */
  rate: number;
  /** Injectable for tests. */
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

export interface RateStats {
  requests: number;
  throttled: number;
  /** Milliseconds spent paused by 429s or an exhausted x-ratelimit-remaining. */
  pausedMs: number;
  /** The adapted rate at the end of the run. */
  currentRate: number;
}

// Below this the tool would crawl; Auth0's smallest plans still allow about 2 requests/s.
const MIN_RATE = 0.5;
// How far into the future a server-given reset may push us: a wrong clock must not hang the run.
const MAX_PAUSE_MS = 60_000;
// Bucket depth in seconds of traffic: absorbs timer jitter without bursting past the limit.
const BURST_SECONDS = 0.2;

export class RateGate {
  private readonly ceiling: number;
  private current: number;
  private tokens = 1;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly stats_: RateStats;
  // Callers queue in order so a waiting request is not overtaken by a newer one.
  private queue: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(options: RateGateOptions) {
    if (!(options.rate > 0)) throw new RangeError('rate must be positive');
    this.ceiling = options.rate;
    this.current = options.rate;
    this.now = options.now ?? Date.now;
    this.wait = options.wait ?? ((ms) => sleep(ms, undefined, { signal: this.stopping.signal }));
    this.refilledAt = this.now();
    this.stats_ = { requests: 0, throttled: 0, pausedMs: 0, currentRate: options.rate };
  }

  /** Resolves when one request may be sent. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.takeToken());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** A response that was not a 429: recover the rate, and respect an exhausted budget. */
  succeeded(headers: RateHeaders): void {
    this.current = Math.min(this.ceiling, this.current + this.ceiling / 20);
    if (headers.remaining === 0 && headers.resetAt !== undefined) this.pauseUntil(headers.resetAt);
  }

  /** A 429: everyone waits `retryAfterMs`, and the rate halves. */
  throttled(retryAfterMs: number): void {
    this.stats_.throttled += 1;
    this.current = Math.max(MIN_RATE, Math.min(this.current, this.ceiling) / 2);
    this.tokens = 0;
    this.pauseUntil(this.now() + retryAfterMs);
  }

  stats(): RateStats {
    return { ...this.stats_, currentRate: this.current };
  }

  /** Milliseconds until a 429's (or an exhausted budget's) pause ends; 0 when not paused. */
  pausedFor(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /**
   * Stops the run's requests: every request waiting for its turn (a 429's pause included) and
   * every later one fails at once with `interrupted`; requests already sent finish.
   */
  abort(): void {
    this.stopping.abort();
  }

  /** A pause between retries that abort() cuts short. */
  async sleep(ms: number): Promise<void> {
    this.checkStopped();
    await this.wait(ms).catch((error: unknown) => {
      if (this.stopping.signal.aborted) this.checkStopped();
      throw error;
    });
    this.checkStopped();
  }

  private checkStopped(): void {
    if (this.stopping.signal.aborted) {
      throw new CommandError(
        'interrupted',
        'stopped before this request was sent',
        'run the same command again to resume',
      );
    }
  }

  private pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Math.min(at, this.now() + MAX_PAUSE_MS));
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      this.checkStopped();
      const now = this.now();
      if (now < this.pausedUntil) {
        const pause = this.pausedUntil - now;
        this.stats_.pausedMs += pause;
        await this.sleep(pause);
        // The server said when to come back: the first request may go at once.
        this.refilledAt = this.now();
        this.tokens = Math.max(this.tokens, 1);
        continue;
      }
      const burst = Math.max(1, this.current * BURST_SECONDS);
      this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * this.current);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        this.stats_.requests += 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.current) * 1000));
    }
  }
}
