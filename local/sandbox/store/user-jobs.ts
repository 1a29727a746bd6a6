import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Store } from './index';
import { newJobId, nowIso } from './ids';

/**
 * Users export jobs (`POST /jobs/users-exports`), kept in memory: Auth0 keeps a job and its file
 * for a limited time too. The sandbox builds the file at once (gzipped NDJSON or CSV, as Auth0)
 * and answers `GET /jobs/{id}` with it completed. Auth0's `location` is a pre-signed download URL;
 * the sandbox's is a `data:` URL holding the file, so no route outside the Management API is needed.
 * https://auth0.com/docs/manage-users/user-migration/bulk-user-exports
 */
export interface ExportField {
  name: string;
  export_as?: string;
}

export interface UsersExportJob {
  id: string;
  type: 'users_export';
  status: 'completed';
  created_at: string;
  connection_id?: string;
  format: 'json' | 'csv';
  limit?: number;
  fields: ExportField[];
  location: string;
  percentage_done: number;
  time_left_seconds: number;
}

const DEFAULT_FIELDS: ExportField[] = [
  { name: 'user_id' },
  { name: 'email' },
  { name: 'email_verified' },
  { name: 'name' },
  { name: 'created_at' },
];
const PAGE = 1000;

export class UsersExportJobs {
  private readonly jobs = new Map<string, UsersExportJob>();

  constructor(private readonly store: Store) {}

  create(request: {
    connection_id?: string;
    connectionName?: string;
    format?: 'json' | 'csv';
    limit?: number;
    fields?: ExportField[];
  }): UsersExportJob {
    const format = request.format ?? 'json';
    const fields = request.fields && request.fields.length > 0 ? request.fields : DEFAULT_FIELDS;
    const rows: Record<string, unknown>[] = [];
    for (let offset = 0; request.limit === undefined || rows.length < request.limit; offset += PAGE) {
      const { users } = this.store.users.search({
        offset,
        limit: PAGE,
        ...(request.connectionName ? { connection: request.connectionName } : {}),
      });
      for (const user of users) {
        const record = user as unknown as Record<string, unknown>;
        rows.push(Object.fromEntries(fields.map((field) => [field.export_as ?? field.name, pick(record, field.name)])));
      }
      if (users.length < PAGE) break;
    }
    const limited = request.limit === undefined ? rows : rows.slice(0, request.limit);
    const text = format === 'json' ? limited.map((row) => JSON.stringify(row)).join('\n') : csv(fields, limited);
    const job: UsersExportJob = {
      id: newJobId(),
      type: 'users_export',
      status: 'completed',
      created_at: nowIso(),
      ...(request.connection_id === undefined ? {} : { connection_id: request.connection_id }),
      format,
      ...(request.limit === undefined ? {} : { limit: request.limit }),
      fields,
      location: `data:application/gzip;base64,${gzipSync(text).toString('base64')}`,
      percentage_done: 100,
      time_left_seconds: 0,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): UsersExportJob | undefined {
    return this.jobs.get(id);
  }
}

/** `app_metadata.plan` → the nested value. */
function pick(record: Record<string, unknown>, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value ?? null;
}

function csv(fields: readonly ExportField[], rows: readonly Record<string, unknown>[]): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const header = fields.map((field) => cell(field.export_as ?? field.name)).join(',');
  return [header, ...rows.map((row) => fields.map((field) => cell(row[field.export_as ?? field.name])).join(','))].join(
    '\n',
  );
}

/** A users import job (`POST /jobs/users-imports`), run at once; GET /jobs/{id} shows its summary. */
export interface UsersImportJob {
  id: string;
  type: 'users_import';
  status: 'completed' | 'failed';
  created_at: string;
  connection_id: string;
  connection: string;
  external_id?: string;
  summary: { failed: number; updated: number; inserted: number; total: number };
}

export interface ImportError {
  user: Record<string, unknown>;
  errors: { code: string; message: string; path?: string }[];
}

const IMPORTABLE = [
  'email',
  'email_verified',
  'user_id',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'blocked',
  'app_metadata',
  'user_metadata',
] as const;

/**
 * Imports into a database connection the way Auth0's bulk import does for the fields the sandbox
 * models: one user per element of the JSON array, matched by email; an existing user is an error,
 * or updated with `upsert` (https://auth0.com/docs/manage-users/user-migration/bulk-user-imports).
 * Password hashes are not modelled: an imported user gets a random password and signs in after a reset.
 */
export class UsersImportJobs {
  private readonly jobs = new Map<string, UsersImportJob>();
  private readonly errors = new Map<string, ImportError[]>();

  constructor(private readonly store: Store) {}

  run(request: {
    connectionId: string;
    connection: string;
    users: unknown;
    upsert: boolean;
    externalId?: string;
  }): UsersImportJob {
    const summary = { failed: 0, updated: 0, inserted: 0, total: 0 };
    const failures: ImportError[] = [];
    const list = Array.isArray(request.users) ? request.users : [];
    for (const entry of list) {
      summary.total += 1;
      const user =
        typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : {};
      const email = typeof user.email === 'string' ? user.email : undefined;
      const fail = (code: string, message: string): void => {
        summary.failed += 1;
        failures.push({ user, errors: [{ code, message }] });
      };
      if (!email) {
        fail('INVALID_FORMAT', 'Missing required property: email');
        continue;
      }
      const fields = Object.fromEntries(
        IMPORTABLE.filter((key) => key !== 'email' && user[key] !== undefined).map((key) => [key, user[key]]),
      );
      const existing = this.store.users
        .findByEmail(email)
        .find((candidate) => candidate.identities.some((identity) => identity.connection === request.connection));
      try {
        if (existing && !request.upsert)
          fail('DUPLICATED_USER', 'The user already exist and upsert parameter is false');
        else if (existing) {
          const { user_id: _id, ...update } = fields;
          this.store.users.update(existing.user_id, update);
          summary.updated += 1;
        } else {
          // Without a password hash the imported user signs in after a password reset, as on Auth0.
          this.store.users.create({
            connection: request.connection,
            email,
            password: randomBytes(24).toString('base64url'),
            ...fields,
          });
          summary.inserted += 1;
        }
      } catch (error) {
        fail('INVALID_FORMAT', error instanceof Error ? error.message : String(error));
      }
    }
    const job: UsersImportJob = {
      id: newJobId(),
      type: 'users_import',
      status: Array.isArray(request.users) ? 'completed' : 'failed',
      created_at: nowIso(),
      connection_id: request.connectionId,
      connection: request.connection,
      ...(request.externalId === undefined ? {} : { external_id: request.externalId }),
      summary,
    };
    this.jobs.set(job.id, job);
    this.errors.set(job.id, failures);
    return job;
  }

  get(id: string): UsersImportJob | undefined {
    return this.jobs.get(id);
  }

  errorsOf(id: string): ImportError[] | undefined {
    return this.errors.get(id);
  }
}
