import { badRequest } from '../errors';

export type SqlParameters = Record<string, string | number>;

/** A compiled `q`: a SQL condition over `users u` and its named parameters (`@term0`, `@term1`...). */
export interface UserFilter {
  where: string;
  parameters: SqlParameters;
}

/** Binds a value as the next named parameter and returns its placeholder. */
type Bind = (value: string | number) => string;

const PROFILE_FIELDS = new Set(['name', 'nickname', 'given_name', 'family_name', 'username', 'phone_number']);
const SORTABLE: Record<string, string> = {
  created_at: 'u.created_at',
  updated_at: 'u.updated_at',
  last_login: 'u.last_login',
  logins_count: 'u.logins_count',
  email: 'lower(u.email)',
  user_id: 'u.user_id',
};

const SUPPORTED =
  'field:value terms joined by AND (or spaces); fields: user_id, email, email_verified, blocked, name, nickname, ' +
  'given_name, family_name, username, phone_number, identities.connection, identities.provider, ' +
  'app_metadata.<key>, user_metadata.<key>; values exact, "quoted" or bare, no wildcards, ranges, OR or NOT';

// field:"quoted value" | field:bare-value, optionally separated by AND.
const TERM = /^\s*([A-Za-z0-9_.]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*/;

/**
 * The subset of Auth0's Lucene syntax (search engine v3) the profile scripts need. Anything else
 * is answered with 400 rather than silently matching differently from Auth0.
 */
export function compileUserQuery(query: string): UserFilter {
  const conditions: string[] = [];
  const parameters: SqlParameters = {};
  const bind: Bind = (value) => {
    const name = `term${Object.keys(parameters).length}`;
    parameters[name] = value;
    return `@${name}`;
  };
  let rest = query.trim();
  if (rest === '') return { where: '1 = 1', parameters };
  while (rest.length > 0) {
    const match = TERM.exec(rest);
    if (!match) throw unsupported(query);
    const [whole, field = '', quoted, bare] = match;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
    if (quoted === undefined && /[*?~^[\]{}]/.test(value)) throw unsupported(query);
    conditions.push(condition(field, value, quoted !== undefined, bind, query));
    rest = rest.slice(whole.length);
    const and = /^AND\s+/.exec(rest);
    if (and) rest = rest.slice(and[0].length);
    else if (/^(OR|NOT)\b/.test(rest)) throw unsupported(query);
  }
  return { where: conditions.join(' AND '), parameters };
}

function condition(field: string, value: string, quoted: boolean, bind: Bind, query: string): string {
  if (field === 'user_id') return `u.user_id = ${bind(value)}`;
  if (field === 'email') return `lower(u.email) = lower(${bind(value)})`;
  if (field === 'email_verified' || field === 'blocked') {
    if (value !== 'true' && value !== 'false') throw unsupported(query);
    return `u.${field} = ${bind(value === 'true' ? 1 : 0)}`;
  }
  if (PROFILE_FIELDS.has(field)) return `json_extract(u.profile, '$.${field}') = ${bind(value)}`;
  if (field === 'identities.connection' || field === 'identities.provider') {
    const column = field.slice('identities.'.length);
    return `EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = u.user_id AND i.${column} = ${bind(value)})`;
  }
  const metadata = /^(app_metadata|user_metadata)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/.exec(field);
  if (metadata) {
    const [, column, path] = metadata;
    // Unquoted true/false/numbers match JSON booleans/numbers, as Lucene does on typed fields.
    // (column, path and value are all pattern-checked above, so inlining them is safe.)
    if (!quoted && (value === 'true' || value === 'false')) return `json_type(u.${column}, '$.${path}') = '${value}'`;
    const typed = !quoted && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    return `json_extract(u.${column}, '$.${path}') = ${bind(typed)}`;
  }
  throw unsupported(query);
}

/** `sort=field:1|-1` as Auth0 takes it. */
export function compileUserSort(sort: string | undefined): string {
  if (sort === undefined) return 'u.rowid';
  const match = /^([a-z_]+):(1|-1)$/.exec(sort);
  const column = match?.[1] ? SORTABLE[match[1]] : undefined;
  if (!match || !column) {
    throw badRequest(
      `Sort by '${sort}' is not supported; use field:1 or field:-1 with one of ${Object.keys(SORTABLE).join(', ')}`,
      'invalid_query_string',
    );
  }
  return `${column} ${match[2] === '1' ? 'ASC' : 'DESC'}, u.rowid`;
}

function unsupported(query: string) {
  return badRequest(`Query not supported by the sandbox: ${query}. Supported: ${SUPPORTED}`, 'invalid_query_string');
}
