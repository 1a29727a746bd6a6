import { badRequest } from '../errors';
import { LOG_FILTER_FIELDS, type LogFilterField, type LogSearch } from '../store/logs';
import type { ApiContext, RouteModule } from './context';
import {
  checkpointQuery,
  fieldsQuery,
  pagedBody,
  pageQuery,
  pageWindow,
  selectFields,
  type CheckpointQuery,
  type FieldsQuery,
  type PageQuery,
} from './query';
import { idParams, string, strictObject } from './schema';

/**
 * The tenant's logs (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api):
 * search mode (`q`, or `search` as the auth0 SDK v6 sends it; `page`, `per_page`, `sort`,
 * `fields`, `include_totals`; only the first 1000 results) or checkpoint mode (`from`, `take`:
 * everything else ignored, oldest first, the next page in the `Link` header).
 */

interface ListQuery extends PageQuery, FieldsQuery, CheckpointQuery {
  q?: string;
  search?: string;
  sort?: string;
}

const SEARCH_WINDOW = 1000;

/**
 * The `q` terms the sandbox supports: `field:value` or `field:"value"` on LOG_FILTER_FIELDS,
 * joined by spaces or AND (all must hold). Anything else is a 400 rather than a silent mismatch.
 */
export function parseLogQuery(q: string | undefined): LogSearch['filters'] {
  const filters: LogSearch['filters'] = {};
  if (q === undefined || q.trim() === '') return filters;
  const terms = q.match(/[^\s:]+:("[^"]*"|[^\s"]+)|\S+/g) ?? [];
  for (const term of terms) {
    if (term === 'AND') continue;
    const separator = term.indexOf(':');
    const field = term.slice(0, separator);
    const raw = term.slice(separator + 1);
    if (separator <= 0 || !(LOG_FILTER_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(
        `The sandbox's log search supports field:value terms on ${LOG_FILTER_FIELDS.join(', ')} (got "${term}")`,
        'invalid_query_string',
      );
    }
    filters[field as LogFilterField] =
      raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
  }
  return filters;
}

/** `date:1` oldest first, `date:-1` (the default) newest first. */
export function parseLogSort(sort: string | undefined): boolean {
  if (sort === undefined || sort === 'date:-1') return false;
  if (sort === 'date:1') return true;
  throw badRequest(`The sandbox sorts logs by date only (date:1 or date:-1), got "${sort}"`, 'invalid_query_string');
}

const listSchema = strictObject({
  ...pageQuery,
  ...fieldsQuery,
  ...checkpointQuery,
  q: string(),
  search: string(),
  sort: string(),
});
const SCOPES = ['read:logs', 'read:logs_users'];

export const registerLogs: RouteModule = (app, { store, endpoint }: ApiContext) => {
  const searchPage = (query: ListQuery, filters: LogSearch['filters']): unknown => {
    const { offset, limit } = pageWindow(query);
    if (offset + limit > SEARCH_WINDOW) {
      throw badRequest(`You can only page through the first ${SEARCH_WINDOW} records.`, 'invalid_paging');
    }
    const { logs, total } = store.logs.search({ filters, ascending: parseLogSort(query.sort), offset, limit });
    return pagedBody(
      'logs',
      logs.map((log) => selectFields(log, query)),
      total,
      query,
    );
  };

  app.get<{ Querystring: ListQuery }>(
    '/logs',
    {
      schema: { querystring: listSchema },
      config: { scopes: SCOPES },
    },
    async (request, reply) => {
      const { query } = request;
      if (query.from === undefined && query.take === undefined)
        return searchPage(query, parseLogQuery(query.q ?? query.search));
      const take = query.take ?? 50;
      const logs = store.logs.after(query.from, take);
      // The next page's URL, as Auth0 gives it; an empty page keeps pointing at the same place.
      const last = logs.at(-1)?.log_id ?? query.from;
      if (last !== undefined) {
        reply.header('link', `<https://${endpoint().domain}/api/v2/logs?from=${last}&take=${take}>; rel="next"`);
      }
      return logs;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/logs/:id',
    {
      schema: { params: idParams() },
      config: { scopes: SCOPES },
    },
    async (request) => store.logs.require(request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: PageQuery & { sort?: string } }>(
    '/users/:id/logs',
    {
      schema: { params: idParams(), querystring: strictObject({ ...pageQuery, sort: string() }) },
      config: { scopes: SCOPES },
    },
    async (request) => {
      store.users.require(request.params.id);
      return searchPage(request.query, { user_id: request.params.id });
    },
  );
};
