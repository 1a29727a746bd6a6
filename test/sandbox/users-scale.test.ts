import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Sandbox } from '../../local/sandbox';
import { startTestSandbox } from './helpers';

// What keeps lookups fast at scale: they search indexes, never scan the users table. The figures
// at 100,000 users (seeding, lookups, HTTPS round trips) are measured by `npm run bench`
// (tooling/bench/users-scale.ts); a query plan does not depend on the row count.

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

function plan(sql: string): string {
  const statement = sandbox.store.db.prepare<string[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
  return statement
    .all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x'))
    .map((row) => row.detail)
    .join('; ');
}

test("the repository's lookups by id and email use indexes (no table scan)", () => {
  expect(plan('SELECT * FROM users u WHERE u.user_id = ?')).toMatch(
    /SEARCH u USING INDEX sqlite_autoindex_users_1 \(user_id=\?\)/,
  );
  expect(plan('SELECT * FROM users u WHERE lower(u.email) = lower(?)')).toMatch(
    /SEARCH u USING INDEX users_email_lower/,
  );
  expect(plan('SELECT * FROM user_identities WHERE user_id = ?')).toMatch(
    /SEARCH user_identities USING INDEX user_identities_user/,
  );
  expect(plan('SELECT * FROM user_credentials WHERE connection = ? AND lower(email) = lower(?)')).toMatch(
    /SEARCH user_credentials USING INDEX user_credentials_email/,
  );
});
