import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Sandbox, SeedUser } from '../../local/sandbox';
import { call, deployToken, startTestSandbox } from './helpers';

// 100,000 users: seeding speed and lookup latency are reported (console), not asserted; what is
// asserted is that lookups by id and by email use indexes (no table scan).

const USERS = 100_000;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  sandbox.store.connections.create({ name: 'customers', strategy: 'auth0', options: {} });
  sandbox.store.connections.create({ name: 'google-oauth2', strategy: 'google-oauth2', options: {} });
});

afterAll(async () => {
  await sandbox.close();
});

function plan(sql: string): string {
  const statement = sandbox.store.db.prepare<string[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
  return statement.all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x')).map((row) => row.detail).join('; ');
}

function perCall(iterations: number, run: (i: number) => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) run(i);
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

test(`seeds ${USERS.toLocaleString('en')} users and looks them up by id and email through indexes`, async () => {
  const users: SeedUser[] = Array.from({ length: USERS }, (_, i) => (i % 2 === 0
    ? { connection: 'customers', email: `user${i}@example.com`, email_verified: i % 4 === 0, app_metadata: { plan: i % 10 === 0 ? 'gold' : 'free' } }
    : { connection: 'google-oauth2', email: `User${i}@Example.com`, identityId: String(100_000_000_000_000 + i), email_verified: true }));
  const seedStarted = Date.now();
  expect(sandbox.store.users.seed(users, { password: 'Seeded-Password-1' })).toBe(USERS);
  const seedMs = Date.now() - seedStarted;
  expect(sandbox.store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()?.n).toBe(USERS);

  // The repository's lookups, as query plans: index searches, never a scan of users.
  const byId = plan('SELECT * FROM users u WHERE u.user_id = ?');
  const byEmail = plan('SELECT * FROM users u WHERE lower(u.email) = lower(?)');
  const identities = plan('SELECT * FROM user_identities WHERE user_id = ?');
  const credential = plan('SELECT * FROM user_credentials WHERE connection = ? AND lower(email) = lower(?)');
  expect(byId).toMatch(/SEARCH u USING INDEX sqlite_autoindex_users_1 \(user_id=\?\)/);
  expect(byEmail).toMatch(/SEARCH u USING INDEX users_email_lower/);
  expect(identities).toMatch(/SEARCH user_identities USING INDEX user_identities_user/);
  expect(credential).toMatch(/SEARCH user_credentials USING INDEX user_credentials_email/);

  const ids = sandbox.store.db.prepare<[], { user_id: string }>('SELECT user_id FROM users ORDER BY random() LIMIT 1000').all().map((r) => r.user_id);
  const idMicros = perCall(ids.length, (i) => expect(sandbox.store.users.get(ids[i] ?? '')).toBeDefined());
  const emailMicros = perCall(1000, (i) => expect(sandbox.store.users.findByEmail(`USER${(i * 97) % USERS}@example.COM`)).toHaveLength(1));
  const passwordMicros = perCall(5, (i) => expect(sandbox.store.users.verifyDatabasePassword('customers', `user${i * 2}@example.com`, 'Seeded-Password-1')).toBeDefined());

  const token = await deployToken(sandbox);
  const httpStarted = Date.now();
  for (let i = 0; i < 100; i += 1) {
    expect((await call(sandbox, 'GET', `/api/v2/users/${encodeURIComponent(ids[i] ?? '')}`, { token })).status).toBe(200);
    expect((await call<unknown[]>(sandbox, 'GET', `/api/v2/users-by-email?email=user${i * 2}%40example.com`, { token })).body).toHaveLength(1);
  }
  const httpMs = (Date.now() - httpStarted) / 200;
  const searchStarted = Date.now();
  const gold = await call<{ total: number }>(sandbox, 'GET', `/api/v2/users?include_totals=true&q=${encodeURIComponent('app_metadata.plan:"gold"')}`, { token });
  const searchMs = Date.now() - searchStarted;
  expect(gold.body.total).toBe(USERS / 10);

  console.log([
    `seed ${USERS} users (one transaction, half with a shared scrypt hash): ${seedMs} ms`,
    `store lookup by id: ${idMicros.toFixed(1)} µs; by email: ${emailMicros.toFixed(1)} µs; password check (scrypt): ${(passwordMicros / 1000).toFixed(1)} ms`,
    `HTTPS round trip GET /users/{id} or /users-by-email: ${httpMs.toFixed(2)} ms`,
    `search app_metadata.plan:"gold" (JSON scan, not indexed): ${searchMs} ms`,
    `plans: ${byId} | ${byEmail}`,
  ].join('\n'));
}, 180_000);
