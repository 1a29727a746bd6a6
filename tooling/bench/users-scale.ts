import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type SeedUser } from '../../local/sandbox';
import { SandboxClient } from '../../local/sandbox';
import { table } from './stats';

/**
 * The sandbox with 100,000 users: seeding speed, lookup latency in the store and over HTTPS, and
 * the repository's lookups as query plans (index searches; a table scan fails the bench).
 */
export async function benchUsersScale(options: { users?: number } = {}): Promise<void> {
  const count = options.users ?? 100_000;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-users-scale-'));
  const sandbox = await startSandbox({ stateDir, port: 0 });
  try {
    const { store } = sandbox;
    store.connections.create({ name: 'customers', strategy: 'auth0', options: {} });
    store.connections.create({ name: 'google-oauth2', strategy: 'google-oauth2', options: {} });
    const users: SeedUser[] = Array.from({ length: count }, (_, i) =>
      i % 2 === 0
        ? {
            connection: 'customers',
            email: `user${i}@example.com`,
            email_verified: i % 4 === 0,
            app_metadata: { plan: i % 10 === 0 ? 'gold' : 'free' },
          }
        : {
            connection: 'google-oauth2',
            email: `User${i}@Example.com`,
            identityId: String(100_000_000_000_000 + i),
            email_verified: true,
          },
    );
    const seedStarted = Date.now();
    if (store.users.seed(users, { password: 'Seeded-Password-1' }) !== count)
      throw new Error(`seeding ${count} users did not create them all`);
    const seedMs = Date.now() - seedStarted;

    const plan = (sql: string): string => {
      const statement = store.db.prepare<string[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`);
      return statement
        .all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x'))
        .map((row) => row.detail)
        .join('; ');
    };
    const plans = {
      'user by id': plan('SELECT * FROM users u WHERE u.user_id = ?'),
      'users by email': plan('SELECT * FROM users u WHERE lower(u.email) = lower(?)'),
      'identities of a user': plan('SELECT * FROM user_identities WHERE user_id = ?'),
      'database credential': plan('SELECT * FROM user_credentials WHERE connection = ? AND lower(email) = lower(?)'),
    };
    const scans = Object.entries(plans).filter(([, detail]) => !/SEARCH \S+ USING (COVERING )?INDEX/.test(detail));
    if (scans.length > 0)
      throw new Error(`lookups without an index: ${scans.map(([name, detail]) => `${name}: ${detail}`).join('; ')}`);

    const ids = store.db
      .prepare<[], { user_id: string }>('SELECT user_id FROM users ORDER BY random() LIMIT 1000')
      .all()
      .map((r) => r.user_id);
    const idMicros = perCall(ids.length, (i) => store.users.get(ids[i] ?? '') !== undefined);
    const emailMicros = perCall(
      1000,
      (i) => store.users.findByEmail(`USER${(i * 97) % count}@example.COM`).length === 1,
    );
    const passwordMicros = perCall(
      5,
      (i) =>
        store.users.verifyDatabasePassword('customers', `user${i * 2}@example.com`, 'Seeded-Password-1') !== undefined,
    );

    const client = new SandboxClient({ domain: sandbox.domain, caPath: sandbox.caPath });
    const token = await client.managementToken(sandbox.deployClient);
    const httpStarted = Date.now();
    for (let i = 0; i < 100; i += 1) {
      await expectOk(client.request('GET', `/api/v2/users/${encodeURIComponent(ids[i] ?? '')}`, { token }));
      await expectOk(client.request('GET', `/api/v2/users-by-email?email=user${i * 2}%40example.com`, { token }));
    }
    const httpMs = (Date.now() - httpStarted) / 200;
    const searchStarted = Date.now();
    const gold = await client.request<{ total?: number }>(
      'GET',
      `/api/v2/users?include_totals=true&q=${encodeURIComponent('app_metadata.plan:"gold"')}`,
      { token },
    );
    const searchMs = Date.now() - searchStarted;
    if (gold.body.total !== count / 10)
      throw new Error(`the search found ${String(gold.body.total)} users, not ${count / 10}`);

    console.log(`\n## The sandbox with ${count.toLocaleString('en')} users (half database, half Google)\n`);
    console.log(
      table([
        { operation: 'seed (one transaction, half with a shared scrypt hash)', time: `${seedMs} ms` },
        { operation: 'store: user by id', time: `${idMicros.toFixed(1)} µs` },
        { operation: 'store: users by email', time: `${emailMicros.toFixed(1)} µs` },
        { operation: 'store: password check (scrypt)', time: `${(passwordMicros / 1000).toFixed(1)} ms` },
        { operation: 'HTTPS: GET /users/{id} or /users-by-email', time: `${httpMs.toFixed(2)} ms` },
        { operation: 'HTTPS: search app_metadata.plan:"gold" (JSON scan, not indexed)', time: `${searchMs} ms` },
      ]),
    );
    console.log(
      `\nquery plans: ${Object.entries(plans)
        .map(([name, detail]) => `${name}: ${detail}`)
        .join(' | ')}`,
    );
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Microseconds per call of `found`, which must find what it looks up. */
function perCall(iterations: number, found: (i: number) => boolean): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) {
    if (!found(i)) throw new Error('a lookup did not find its user');
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

async function expectOk(response: Promise<{ status: number }>): Promise<void> {
  const { status } = await response;
  if (status !== 200) throw new Error(`the sandbox answered ${status}`);
}

if (require.main === module) {
  benchUsersScale().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
