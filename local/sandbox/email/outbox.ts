import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db';
import { parseDoc } from '../store/json';

/** One email as the sandbox "sent" it: what GET /sandbox/outbox(.json) lists. */
export interface OutboxEmail {
  id: string;
  template: string;
  to: string;
  user_id: string;
  from: string;
  subject: string;
  html: string;
  /** The link the email carries (verification, reset). */
  url?: string;
  /** Where the link leads once used (the template's rendered resultUrl, or the ticket's). */
  resultUrl?: string;
  urlLifetimeInSeconds: number;
  created_at: string;
  /** Set when the template did not render: what failed, with liquidjs's line and column. */
  error?: string;
}

// A long-running sandbox (benches, many logins) keeps only the latest emails.
const KEEP = 5000;

/** The outbox: one SQLite table, wiped with the tenant (`--reset`). */
export class Outbox {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insert: db.prepare<[string, string, string, string]>(
        'INSERT INTO outbox (id, recipient, created_at, doc) VALUES (?, ?, ?, ?)',
      ),
      prune: db.prepare<[number]>('DELETE FROM outbox WHERE rowid <= (SELECT max(rowid) FROM outbox) - ?'),
      all: db.prepare<[number], { doc: string }>('SELECT doc FROM outbox ORDER BY rowid DESC LIMIT ?'),
      one: db.prepare<[string], { doc: string }>('SELECT doc FROM outbox WHERE id = ?'),
      to: db.prepare<[string, number], { doc: string }>(
        'SELECT doc FROM outbox WHERE lower(recipient) = lower(?) ORDER BY rowid DESC LIMIT ?',
      ),
    };
  }

  add(email: Omit<OutboxEmail, 'id' | 'created_at'>): OutboxEmail {
    const stored: OutboxEmail = { id: `email_${randomUUID()}`, ...email, created_at: new Date().toISOString() };
    this.s.insert.run(stored.id, stored.to, stored.created_at, JSON.stringify(stored));
    this.s.prune.run(KEEP);
    return stored;
  }

  get(id: string): OutboxEmail | undefined {
    const row = this.s.one.get(id);
    return row ? parseDoc<OutboxEmail>(row.doc) : undefined;
  }

  /** Newest first; `to` matches the recipient case-insensitively. */
  list(filter: { to?: string; limit?: number } = {}): OutboxEmail[] {
    const limit = filter.limit ?? KEEP;
    const rows = filter.to === undefined ? this.s.all.all(limit) : this.s.to.all(filter.to, limit);
    return rows.map((row) => parseDoc<OutboxEmail>(row.doc));
  }
}
