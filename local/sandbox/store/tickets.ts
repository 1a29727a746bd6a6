import type { Db } from './db';
import { newJobId, newTicketId, nowIso } from './ids';

export type TicketType = 'email_verification' | 'password_change';

export interface Ticket {
  id: string;
  type: TicketType;
  user_id: string;
  result_url?: string;
  expires_at: string;
  created_at: string;
}

export interface Job {
  id: string;
  type: 'verification_email';
  status: 'pending' | 'completed';
  user_id: string;
  client_id?: string;
  created_at: string;
}

interface TicketRow extends Omit<Ticket, 'result_url'> {
  result_url: string | null;
}

interface JobRow extends Omit<Job, 'client_id'> {
  client_id: string | null;
}

/**
 * Tickets and jobs are recorded, not mailed: the sandbox sends no email, and tests (or the login
 * half's pages) read these rows as the evidence that Auth0 would have sent one.
 */
export class TicketsRepo {
  private readonly statements;

  constructor(db: Db) {
    const ticketColumns = 'id, type, user_id, result_url, expires_at, created_at';
    const jobColumns = 'id, type, status, user_id, client_id, created_at';
    this.statements = {
      insertTicket: db.prepare<TicketRow>(
        'INSERT INTO tickets (id, type, user_id, result_url, expires_at, created_at) VALUES (@id, @type, @user_id, @result_url, @expires_at, @created_at)',
      ),
      ticket: db.prepare<{ id: string }, TicketRow>(`SELECT ${ticketColumns} FROM tickets WHERE id = @id`),
      ticketsOf: db.prepare<{ userId: string }, TicketRow>(`SELECT ${ticketColumns} FROM tickets WHERE user_id = @userId ORDER BY rowid`),
      insertJob: db.prepare<Omit<JobRow, 'status'>>(
        "INSERT INTO jobs (id, type, status, user_id, client_id, created_at) VALUES (@id, @type, 'completed', @user_id, @client_id, @created_at)",
      ),
      job: db.prepare<{ id: string }, JobRow>(`SELECT ${jobColumns} FROM jobs WHERE id = @id`),
      jobsOf: db.prepare<{ userId: string }, JobRow>(`SELECT ${jobColumns} FROM jobs WHERE user_id = @userId ORDER BY rowid`),
    };
  }

  createTicket(type: TicketType, userId: string, ttlSeconds: number, resultUrl?: string): Ticket {
    const now = new Date();
    const ticket: Ticket = {
      id: newTicketId(),
      type,
      user_id: userId,
      ...(resultUrl !== undefined ? { result_url: resultUrl } : {}),
      expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
      created_at: now.toISOString(),
    };
    this.statements.insertTicket.run({ ...ticket, result_url: resultUrl ?? null });
    return ticket;
  }

  ticket(id: string): Ticket | undefined {
    const row = this.statements.ticket.get({ id });
    return row ? toTicket(row) : undefined;
  }

  ticketsFor(userId: string): Ticket[] {
    return this.statements.ticketsOf.all({ userId }).map(toTicket);
  }

  /** Sending is instantaneous here, so the job is stored completed. */
  createVerificationEmailJob(userId: string, clientId?: string): Job {
    const id = newJobId();
    this.statements.insertJob.run({ id, type: 'verification_email', user_id: userId, client_id: clientId ?? null, created_at: nowIso() });
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
  const { result_url: resultUrl, ...rest } = row;
  return { ...rest, ...(resultUrl !== null ? { result_url: resultUrl } : {}) };
}

function toJob(row: JobRow): Job {
  const { client_id: clientId, ...rest } = row;
  return { ...rest, ...(clientId !== null ? { client_id: clientId } : {}) };
}
