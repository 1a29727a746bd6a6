import { randomBytes } from 'node:crypto';
import { badRequest } from '../errors';
import type { ClientsRepo } from './clients';
import type { ConnectionsRepo } from './connections';
import type { Db } from './db';
import { nowIso } from './ids';
import { parseDoc, type JsonObject } from './json';
import { Repository } from './repository';

/**
 * The tenant's logs, as `GET /api/v2/logs` shows them (field names of the auth0 SDK's
 * `Management.Log`): one event per login, failure, email link, logout, token exchange and
 * Management API write, with Auth0's event type codes
 * (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes). Logs stay when their user is
 * deleted, as on Auth0.
 */
export interface LogEvent {
  log_id: string;
  date: string;
  type: LogType;
  description?: string;
  client_id?: string;
  client_name?: string;
  connection?: string;
  connection_id?: string;
  strategy?: string;
  strategy_type?: string;
  ip?: string;
  user_agent?: string;
  user_id?: string;
  user_name?: string;
  hostname?: string;
  audience?: string;
  scope?: string;
  details?: JsonObject;
}

/** The codes the sandbox records (a subset of Auth0's). */
export type LogType =
  | 's'
  | 'ssa'
  | 'f'
  | 'fsa'
  | 'fp'
  | 'fu'
  | 'ss'
  | 'fs'
  | 'sv'
  | 'scp'
  | 'limit_wc'
  | 'slo'
  | 'seacft'
  | 'feacft'
  | 'sertft'
  | 'fertft'
  | 'ferrt'
  | 'seccft'
  | 'feccft'
  | 'sapi'
  | 'sdu';

/** What a caller says; names (client, connection) are filled in from the store. */
export type LogInput = Omit<
  LogEvent,
  'log_id' | 'date' | 'client_name' | 'connection_id' | 'strategy' | 'strategy_type'
>;

/** Equality filters on these fields (the `q` terms the sandbox supports). */
export const LOG_FILTER_FIELDS = ['type', 'user_id', 'client_id', 'connection', 'ip', 'user_name'] as const;
export type LogFilterField = (typeof LOG_FILTER_FIELDS)[number];

export interface LogSearch {
  filters: Partial<Record<LogFilterField, string>>;
  /** Newest first unless `ascending`. */
  ascending: boolean;
  offset: number;
  limit: number;
}

interface LogRow {
  seq: number;
  doc: string;
}

const DEFAULT_RETAINED_LOGS = 100_000;

// Auth0's log ids are long digit strings that sort in order; the sandbox's are the sequence, padded.
const LOG_ID_PREFIX = '9002';

export function logIdOf(seq: number): string {
  return `${LOG_ID_PREFIX}${String(seq).padStart(20, '0')}`;
}

/** The sequence number behind a log id; anything else is a 400, as for a malformed `from`. */
function seqOf(logId: string): number {
  const match = new RegExp(`^${LOG_ID_PREFIX}(\\d{20})$`).exec(logId);
  if (!match?.[1])
    throw badRequest("Query validation error: 'Invalid value for from' on property from.", 'invalid_query_string');
  return Number(match[1]);
}

function strategyType(strategy: string): string {
  return strategy === 'auth0' ? 'database' : 'social';
}

export class LogsRepo extends Repository<LogEvent, LogRow> {
  private readonly statements;

  constructor(
    db: Db,
    private readonly clients: ClientsRepo,
    private readonly connections: ConnectionsRepo,
    /** How many of the latest events are kept (Auth0 keeps them for a number of days instead). */
    private readonly retained = DEFAULT_RETAINED_LOGS,
  ) {
    super(db, {
      table: 'logs',
      key: 'log_id',
      columns: 'seq, doc',
      missing: { message: 'log not found', errorCode: 'inexistent_log' },
    });
    this.statements = {
      insert: db.prepare<{ log_id: string; type: string; user_id: string | null; doc: string }>(
        'INSERT INTO logs (log_id, type, user_id, doc) VALUES (@log_id, @type, @user_id, @doc)',
      ),
      setId: db.prepare<{ seq: number; log_id: string; doc: string }>(
        'UPDATE logs SET log_id = @log_id, doc = @doc WHERE seq = @seq',
      ),
      prune: db.prepare<{ keep: number }>('DELETE FROM logs WHERE seq <= (SELECT max(seq) FROM logs) - @keep'),
      after: db.prepare<{ seq: number; take: number }, LogRow>(
        'SELECT seq, doc FROM logs WHERE seq > @seq ORDER BY seq LIMIT @take',
      ),
    };
  }

  protected toItem(row: LogRow): LogEvent {
    return parseDoc<LogEvent>(row.doc);
  }

  record(input: LogInput): LogEvent {
    const client = input.client_id === undefined ? undefined : this.clients.get(input.client_id);
    const connection = input.connection === undefined ? undefined : this.connections.getByName(input.connection);
    const event: Omit<LogEvent, 'log_id'> = {
      date: nowIso(),
      ...input,
      ...(client ? { client_name: client.name } : {}),
      ...(connection
        ? {
            connection_id: connection.id,
            strategy: connection.strategy,
            strategy_type: strategyType(connection.strategy),
          }
        : {}),
    };
    return this.db.transaction(() => {
      // The id is the row's sequence number, known once inserted.
      const placeholder = `pending-${randomBytes(8).toString('hex')}`;
      const { lastInsertRowid } = this.statements.insert.run({
        log_id: placeholder,
        type: event.type,
        user_id: event.user_id ?? null,
        doc: '{}',
      });
      const seq = Number(lastInsertRowid);
      const stored: LogEvent = { log_id: logIdOf(seq), ...event };
      this.statements.setId.run({ seq, log_id: stored.log_id, doc: JSON.stringify(stored) });
      this.statements.prune.run({ keep: this.retained });
      return stored;
    })();
  }

  search(search: LogSearch): { logs: LogEvent[]; total: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    for (const field of LOG_FILTER_FIELDS) {
      const value = search.filters[field];
      if (value === undefined) continue;
      // Field names come from LOG_FILTER_FIELDS only, never from the request.
      const column = field === 'type' || field === 'user_id' ? field : `json_extract(doc, '$.${field}')`;
      where.push(`${column} = @${field}`);
      params[field] = value;
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total =
      this.db
        .prepare<Record<string, string | number>, { n: number }>(`SELECT COUNT(*) AS n FROM logs ${clause}`)
        .get(params)?.n ?? 0;
    const rows = this.db
      .prepare<Record<string, string | number>, LogRow>(
        `SELECT seq, doc FROM logs ${clause} ORDER BY seq ${search.ascending ? 'ASC' : 'DESC'} LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: search.limit, offset: search.offset });
    return { logs: rows.map((row) => this.toItem(row)), total };
  }

  /** Checkpoint reads: the events after `fromLogId` (from the first one without it), oldest first. */
  after(fromLogId: string | undefined, take: number): LogEvent[] {
    const seq = fromLogId === undefined ? 0 : seqOf(fromLogId);
    return this.statements.after.all({ seq, take }).map((row) => this.toItem(row));
  }
}
