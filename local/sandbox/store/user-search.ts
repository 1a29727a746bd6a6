import { badRequest } from '../errors';

/** A compiled `q`: a SQL condition over `users u` and its positional parameters. */
export interface UserFilter {
  where: string;
  params: (string | number)[];
}

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
  'field:value terms joined by AND (or spaces); fields: user_id, email, email_verified, blocked, name, nickname, '
  + 'given_name, family_name, username, phone_number, identities.connection, identities.provider, '
  + 'app_metadata.<key>, user_metadata.<key>; values exact, "quoted" or bare, no wildcards, ranges, OR or NOT';

// field:"quoted value" | field:bare-value, optionally separated by AND.
const TERM = /^\s*([A-Za-z0-9_.]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"()]+))\s*/;

/**
 * The subset of Auth0's Lucene syntax (search engine v3) the profile scripts need. Anything else
 * is answered with 400 rather than silently matching differently from Auth0.
 */
export function compileUserQuery(q: string): UserFilter {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  let rest = q.trim();
  if (rest === '') return { where: '1 = 1', params };
  while (rest.length > 0) {
    const match = TERM.exec(rest);
    if (!match) throw unsupported(q);
    const [whole, field = '', quoted, bare] = match;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
    if (quoted === undefined && /[*?~^\[\]{}]/.test(value)) throw unsupported(q);
    conditions.push(condition(field, value, quoted !== undefined, params, q));
    rest = rest.slice(whole.length);
    const and = /^AND\s+/.exec(rest);
    if (and) rest = rest.slice(and[0].length);
    else if (/^(OR|NOT)\b/.test(rest)) throw unsupported(q);
  }
  return { where: conditions.join(' AND '), params };
}

function condition(field: string, value: string, quoted: boolean, params: (string | number)[], q: string): string {
  if (field === 'user_id') {
    params.push(value);
    return 'u.user_id = ?';
  }
  if (field === 'email') {
    params.push(value);
    return 'lower(u.email) = lower(?)';
  }
  if (field === 'email_verified' || field === 'blocked') {
    if (value !== 'true' && value !== 'false') throw unsupported(q);
    params.push(value === 'true' ? 1 : 0);
    return `u.${field} = ?`;
  }
  if (PROFILE_FIELDS.has(field)) {
    params.push(value);
    return `json_extract(u.profile, '$.${field}') = ?`;
  }
  if (field === 'identities.connection' || field === 'identities.provider') {
    params.push(value);
    return `EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = u.user_id AND i.${field.slice('identities.'.length)} = ?)`;
  }
  const metadata = /^(app_metadata|user_metadata)\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/.exec(field);
  if (metadata) {
    const [, column, path] = metadata;
    // Unquoted true/false/numbers match JSON booleans/numbers, as Lucene does on typed fields.
    // (column, path and value are all pattern-checked above, so inlining them is safe.)
    if (!quoted && (value === 'true' || value === 'false')) return `json_type(u.${column}, '$.${path}') = '${value}'`;
    if (!quoted && /^-?\d+(\.\d+)?$/.test(value)) {
      params.push(Number(value));
      return `json_extract(u.${column}, '$.${path}') = ?`;
    }
    params.push(value);
    return `json_extract(u.${column}, '$.${path}') = ?`;
  }
  throw unsupported(q);
}

/** `sort=field:1|-1` as Auth0 takes it. */
export function compileUserSort(sort: string | undefined): string {
  if (sort === undefined) return 'u.rowid';
  const match = /^([a-z_]+):(1|-1)$/.exec(sort);
  const column = match?.[1] ? SORTABLE[match[1]] : undefined;
  if (!match || !column) {
    throw badRequest(`Sort by '${sort}' is not supported; use field:1 or field:-1 with one of ${Object.keys(SORTABLE).join(', ')}`,
      'invalid_query_string');
  }
  return `${column} ${match[2] === '1' ? 'ASC' : 'DESC'}, u.rowid`;
}

function unsupported(q: string) {
  return badRequest(`Query not supported by the sandbox: ${q}. Supported: ${SUPPORTED}`, 'invalid_query_string');
}
