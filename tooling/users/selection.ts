import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { UsersApi } from './client';
import type { Command } from './commands';
import { UsageError } from './errors';
import type { BulkInput, BulkItem } from './input';

/**
 * `--query '<Lucene>'`: the users of a bulk run selected by a user search (search engine v3).
 * Auth0's search reaches at most the first 1,000 results
 * (https://auth0.com/docs/manage-users/user-search/view-search-results-by-page): a query that
 * matches more is refused, not cut short. The selection is kept beside the journal
 * (`<journal>.selection`, mode 0600), so a resume runs on the same users even when the run itself
 * changed who matches (blocking `blocked:false`); it is removed once the run completes.
 */
export const SEARCH_CAP = 1000;
const PER_PAGE = 100;
const MAX_QUERY_BYTES = 1024;

export function selectionPath(journalPath: string): string {
  return `${journalPath}.selection`;
}

export async function selectByQuery(
  api: UsersApi,
  query: string,
  journalPath: string,
  command: Command,
  args: Readonly<Record<string, string>>,
): Promise<BulkInput & { resumed: boolean }> {
  if (Buffer.byteLength(query) > MAX_QUERY_BYTES || query.trim() === '') {
    throw new UsageError(
      `--query must be 1 to ${MAX_QUERY_BYTES} bytes`,
      'e.g. --query \'app_metadata.plan:"trial" AND email_verified:false\'',
    );
  }
  const path = selectionPath(journalPath);
  let ids: string[];
  let resumed = false;
  // A dry run without --journal keeps no selection.
  if (journalPath !== '' && existsSync(path)) {
    const saved: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isSelection(saved) || saved.query !== query) {
      throw new UsageError(
        `${path} was made for another query`,
        'resume with the same --query, or pass --journal <new file> to start afresh',
      );
    }
    ids = saved.users;
    resumed = true;
  } else {
    ids = [];
    for (let page = 0; ids.length < SEARCH_CAP; page += 1) {
      const { users, total } = await api.searchUsers(query, page, PER_PAGE);
      if (total > SEARCH_CAP) {
        throw new UsageError(
          `the query matches ${total} users; Auth0's user search returns at most the first ${SEARCH_CAP}`,
          'narrow it (e.g. a created_at range per run) so each part matches 1,000 or fewer; for an export of everyone use an export job',
        );
      }
      ids.push(...users.map((user) => user.user_id));
      if (users.length < PER_PAGE) break;
    }
    if (ids.length === 0)
      throw new UsageError('the query matches no users', 'check it with `users show` on a user it should match');
  }
  const items: BulkItem[] = ids.map((user, index) => ({ index, line: index + 1, user, args: { ...args } }));
  for (const spec of command.args) {
    if (args[spec.name] === undefined)
      throw new UsageError(
        `with --query, give <${spec.name}> on the command line`,
        `e.g. users ${command.name} --query '...' <${spec.name}>`,
      );
  }
  return {
    items,
    digest: createHash('sha256')
      .update(`${query}\n${ids.join('\n')}`)
      .digest('hex'),
    resumed,
  };
}

export function saveSelection(journalPath: string, query: string, input: BulkInput): void {
  writeFileSync(selectionPath(journalPath), JSON.stringify({ query, users: input.items.map((item) => item.user) }), {
    mode: 0o600,
  });
}

export function removeSelection(journalPath: string): void {
  rmSync(selectionPath(journalPath), { force: true });
}

function isSelection(value: unknown): value is { query: string; users: string[] } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.query === 'string' &&
    Array.isArray(record.users) &&
    record.users.every((user) => typeof user === 'string')
  );
}
