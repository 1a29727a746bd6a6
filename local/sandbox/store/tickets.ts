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
  private readonly s;

  constructor(db: Db) {
    this.s = {
      insertTicket: db.prepare<[string, string, string, string | null, string, string]>(
        'INSERT INTO tickets (id, type, user_id, result_url, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      ticket: db.prepare<[string], TicketRow>('SELECT id, type, user_id, result_url, expires_at, created_at FROM tickets WHERE id = ?'),
      ticketsOf: db.prepare<[string], TicketRow>(
        'SELECT id, type, user_id, result_url, expires_at, created_at FROM tickets WHERE user_id = ? ORDER BY rowid',
      ),
      insertJob: db.prepare<[string, string, string, string | null, string]>(
        "INSERT INTO jobs (id, type, status, user_id, client_id, created_at) VALUES (?, ?, 'completed', ?, ?, ?)",
      ),
      job: db.prepare<[string], JobRow>('SELECT id, type, status, user_id, client_id, created_at FROM jobs WHERE id = ?'),
      jobsOf: db.prepare<[string], JobRow>('SELECT id, type, status, user_id, client_id, created_at FROM jobs WHERE user_id = ? ORDER BY rowid'),
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
    this.s.insertTicket.run(ticket.id, type, userId, resultUrl ?? null, ticket.expires_at, ticket.created_at);
    return ticket;
  }

  ticket(id: string): Ticket | undefined {
    const row = this.s.ticket.get(id);
    return row ? toTicket(row) : undefined;
  }

  ticketsFor(userId: string): Ticket[] {
    return this.s.ticketsOf.all(userId).map(toTicket);
  }

  /** Sending is instantaneous here, so the job is stored completed. */
  createVerificationEmailJob(userId: string, clientId?: string): Job {
    const id = newJobId();
    this.s.insertJob.run(id, 'verification_email', userId, clientId ?? null, nowIso());
    return this.job(id) as Job;
  }

  job(id: string): Job | undefined {
    const row = this.s.job.get(id);
    return row ? toJob(row) : undefined;
  }

  jobsFor(userId: string): Job[] {
    return this.s.jobsOf.all(userId).map(toJob);
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
