import { badRequest } from '../errors';

// Querystring schema fragments shared by list endpoints, named as the SDK sends them.
export const pageQuery = {
  page: { type: 'integer', minimum: 0 },
  per_page: { type: 'integer', minimum: 1, maximum: 100 },
  include_totals: { type: 'boolean' },
} as const;

export const checkpointQuery = {
  from: { type: 'string', minLength: 1 },
  take: { type: 'integer', minimum: 1, maximum: 100 },
} as const;

export const fieldsQuery = {
  fields: { type: 'string' },
  include_fields: { type: 'boolean' },
} as const;

export interface PageQuery {
  page?: number;
  per_page?: number;
  include_totals?: boolean;
}

export interface CheckpointQuery {
  from?: string;
  take?: number;
}

export interface FieldsQuery {
  fields?: string;
  include_fields?: boolean;
}

export const DEFAULT_PER_PAGE = 50;

/** The slice a page-based query asks for; a page past the end is empty, not an error. */
export function pageWindow(query: PageQuery): { offset: number; limit: number } {
  const limit = query.per_page ?? DEFAULT_PER_PAGE;
  return { offset: (query.page ?? 0) * limit, limit };
}

export function pageOf<T>(items: readonly T[], query: PageQuery): T[] {
  const { offset, limit } = pageWindow(query);
  return items.slice(offset, offset + limit);
}

/** A page as Auth0 answers it: a bare array, or with include_totals the totals envelope. */
export function pagedBody<K extends string, T>(
  key: K,
  page: T[],
  total: number,
  query: PageQuery,
): T[] | ({ start: number; limit: number; length: number; total: number } & Record<K, T[]>) {
  if (!query.include_totals) return page;
  const { offset, limit } = pageWindow(query);
  return { start: offset, limit, length: page.length, total, [key]: page } as {
    start: number;
    limit: number;
    length: number;
    total: number;
  } & Record<K, T[]>;
}

export function isCheckpoint(query: CheckpointQuery): boolean {
  return query.from !== undefined || query.take !== undefined;
}

/**
 * Checkpoint pagination over rows in insertion order: `from` is an opaque cursor (the position
 * of the first row of the page), `next` is present while more rows remain.
 */
export function checkpointOf<T>(
  entries: readonly { seq: number; item: T }[],
  query: CheckpointQuery,
): { items: T[]; next?: string } {
  const start = query.from === undefined ? Number.NEGATIVE_INFINITY : decodeCursor(query.from);
  const take = query.take ?? DEFAULT_PER_PAGE;
  const remaining = entries.filter((entry) => entry.seq >= start);
  const page = remaining.slice(0, take);
  const following = remaining[take];
  return { items: page.map((entry) => entry.item), ...(following ? { next: encodeCursor(following.seq) } : {}) };
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1])
    throw badRequest("Query validation error: 'Invalid value for from' on property from.", 'invalid_query_string');
  return Number(match[1]);
}

/** fields / include_fields: keep (or drop) the listed top-level fields. */
export function selectFields<T extends object>(item: T, query: FieldsQuery): Partial<T> {
  if (!query.fields) return item;
  const fields = new Set(
    query.fields
      .split(',')
      .map((field) => field.trim())
      .filter(Boolean),
  );
  const include = query.include_fields ?? true;
  return Object.fromEntries(Object.entries(item).filter(([key]) => fields.has(key) === include)) as Partial<T>;
}
