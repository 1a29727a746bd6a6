import type { Db } from './db';
import { newJobId, newTicketId, nowIso } from './ids';
import { parseDoc } from './json';

/** account_unblock: the blocked_account email's link (lifts brute-force blocks). */
export type TicketType = 'email_verification' | 'password_change' | 'account_unblock';

/** What using the link does besides its main effect (the ticket request's options). */
export interface TicketOptions {
  client_id?: string;
  /** Append `email=` to the result URL (Auth0's default: true). */
  include_email?: boolean;
  /** Password change only: also set `email_verified: true`. */
  mark_email_as_verified?: boolean;
}

export interface Ticket {
  id: string;
  type: TicketType;
  user_id: string;
  result_url?: string;
  expires_at: string;
  created_at: string;
  /** Set when the link was used, or superseded by a newer password-change link. */
  used_at?: string;
  options: TicketOptions;
}

export interface Job {
  id: string;
  type: 'verification_email';
  status: 'pending' | 'completed';
  user_id: string;
  client_id?: string;
  created_at: string;
}

interface TicketRow extends Omit<Ticket, 'result_url' | 'used_at' | 'options'> {
  result_url: string | null;
  used_at: string | null;
  options: string;
}

interface JobRow extends Omit<Job, 'client_id'> {
  client_id: string | null;
}

/** Why a ticket link does nothing: it never existed, it was used (or superseded), or it expired. */
export type TicketRefusal = 'unknown' | 'used' | 'expired';

const TICKET_COLUMNS = 'id, type, user_id, result_url, expires_at, created_at, used_at, options';

/**
 * Ticket links (email verification, password change) and verification-email jobs. A link works
 * once, until it expires; a new password-change link supersedes the user's older ones, as Auth0's
 * "only the newest reset link works".
 */
export class TicketsRepo {
  private readonly statements;

  constructor(private readonly db: Db) {
    const jobColumns = 'id, type, status, user_id, client_id, created_at';
    this.statements = {
      insertTicket: db.prepare<TicketRow>(
        'INSERT INTO tickets (id, type, user_id, result_url, expires_at, created_at, used_at, options) VALUES (@id, @type, @user_id, @result_url, @expires_at, @created_at, @used_at, @options)',
      ),
      supersede: db.prepare<{ usedAt: string; userId: string; type: TicketType }>(
        'UPDATE tickets SET used_at = @usedAt WHERE user_id = @userId AND type = @type AND used_at IS NULL',
      ),
      ticket: db.prepare<{ id: string }, TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = @id`),
      ticketsOf: db.prepare<{ userId: string }, TicketRow>(
        `SELECT ${TICKET_COLUMNS} FROM tickets WHERE user_id = @userId ORDER BY rowid`,
      ),
      use: db.prepare<{ usedAt: string; id: string }>(
        'UPDATE tickets SET used_at = @usedAt WHERE id = @id AND used_at IS NULL',
      ),
      insertJob: db.prepare<Omit<JobRow, 'status'>>(
        "INSERT INTO jobs (id, type, status, user_id, client_id, created_at) VALUES (@id, @type, 'completed', @user_id, @client_id, @created_at)",
      ),
      job: db.prepare<{ id: string }, JobRow>(`SELECT ${jobColumns} FROM jobs WHERE id = @id`),
      jobsOf: db.prepare<{ userId: string }, JobRow>(
        `SELECT ${jobColumns} FROM jobs WHERE user_id = @userId ORDER BY rowid`,
      ),
    };
  }

  createTicket(
    type: TicketType,
    userId: string,
    ttlSeconds: number,
    resultUrl?: string,
    options: TicketOptions = {},
  ): Ticket {
    const now = new Date();
    const ticket: Ticket = {
      id: newTicketId(),
      type,
      user_id: userId,
      ...(resultUrl !== undefined ? { result_url: resultUrl } : {}),
      expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      created_at: now.toISOString(),
      options,
    };
    this.db.transaction(() => {
      if (type === 'password_change') this.statements.supersede.run({ usedAt: ticket.created_at, userId, type });
      this.statements.insertTicket.run({
        ...ticket,
        result_url: resultUrl ?? null,
        used_at: null,
        options: JSON.stringify(options),
      });
    })();
    return ticket;
  }

  ticket(id: string): Ticket | undefined {
    const row = this.statements.ticket.get({ id });
    return row ? toTicket(row) : undefined;
  }

  /** The ticket if its link still works now, else why not. */
  usable(
    id: string,
    type: TicketType,
    now = new Date(),
  ): { ok: true; ticket: Ticket } | { ok: false; refusal: TicketRefusal } {
    const ticket = this.ticket(id);
    if (!ticket || ticket.type !== type) return { ok: false, refusal: 'unknown' };
    if (ticket.used_at !== undefined) return { ok: false, refusal: 'used' };
    if (Date.parse(ticket.expires_at) <= now.getTime()) return { ok: false, refusal: 'expired' };
    return { ok: true, ticket };
  }

  /**
   * Uses the link: `effect` runs in the same transaction, so a refused effect (a weak password)
   * leaves the link usable, and two concurrent uses cannot both succeed.
   */
  use<T>(
    id: string,
    type: TicketType,
    effect: (ticket: Ticket) => T,
    now = new Date(),
  ): { ok: true; ticket: Ticket; result: T } | { ok: false; refusal: TicketRefusal } {
    return this.db.transaction(() => {
      const usable = this.usable(id, type, now);
      if (!usable.ok) return usable;
      this.statements.use.run({ usedAt: now.toISOString(), id });
      return { ok: true as const, ticket: usable.ticket, result: effect(usable.ticket) };
    })();
  }

  ticketsFor(userId: string): Ticket[] {
    return this.statements.ticketsOf.all({ userId }).map(toTicket);
  }

  /** Sending is instantaneous here, so the job is stored completed. */
  createVerificationEmailJob(userId: string, clientId?: string): Job {
    const id = newJobId();
    this.statements.insertJob.run({
      id,
      type: 'verification_email',
      user_id: userId,
      client_id: clientId ?? null,
      created_at: nowIso(),
    });
    return this.job(id) as Job;
  }

  job(id: string): Job | undefined {
    const row = this.statements.job.get({ id });
    return row ? toJob(row) : undefined;
  }

  jobsFor(userId: string): Job[] {
    return this.statements.jobsOf.all({ userId }).map(toJob);
  }
}

function toTicket(row: TicketRow): Ticket {
  const { result_url: resultUrl, used_at: usedAt, options, ...rest } = row;
  return {
    ...rest,
    ...(resultUrl !== null ? { result_url: resultUrl } : {}),
    ...(usedAt !== null ? { used_at: usedAt } : {}),
    options: parseDoc<TicketOptions>(options),
  };
}

function toJob(row: JobRow): Job {
  const { client_id: clientId, ...rest } = row;
  return { ...rest, ...(clientId !== null ? { client_id: clientId } : {}) };
}
