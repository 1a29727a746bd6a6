/**
 * Logins suspended by a redirect, by their `state`, until `/continue` resumes them. In memory
 * only: a sandbox restart drops them (the user starts the login again, as after an expired Auth0
 * transaction). Each is taken once; expired ones are dropped, and the oldest go first past `max`.
 */
export class PendingLogins<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly max = 1000,
  ) {}

  put(state: string, value: T): void {
    this.prune();
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(state, { value, expiresAt: this.now() + this.ttlMs });
  }

  /** The suspended login, removed so that a state works once; undefined if unknown or expired. */
  take(state: string): T | undefined {
    const entry = this.entries.get(state);
    this.entries.delete(state);
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }

  /** The suspended login, left in place; undefined if unknown or expired. */
  peek(state: string): T | undefined {
    const entry = this.entries.get(state);
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }

  private prune(): void {
    const now = this.now();
    for (const [state, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(state);
  }
}
