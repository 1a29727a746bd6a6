import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../tooling/users/audit';
import { EXPORT_FORMAT } from '../../tooling/users/commands/gdpr';
import {
  accessOf,
  DB,
  removeTemporary,
  seedAccess,
  startUsersSandbox,
  tempDir,
  users,
  type UsersSandbox,
} from './helpers';

/**
 * Erasure and access against the sandbox, with faults injected: an erasure that stops half-way
 * and is resumed, revocation that is not possible (fail closed), an export that states what it
 * could not read. One test at a time: fault rules are global to the sandbox.
 */

let sandbox: UsersSandbox;
const T = 90_000;

beforeAll(async () => {
  sandbox = await startUsersSandbox();
});

afterAll(async () => {
  await sandbox?.close();
  removeTemporary();
});

const user = (id: string) => sandbox.store.users.get(id);
const auditLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

/** A database primary with a Google account and a second database account linked under it. */
function personWithLinks(prefix: string): { primary: string; google: string; db2: string } {
  const [primary, db2] = sandbox.seedDb(prefix, 2);
  const google = sandbox.googleUser(`${prefix}0@example.com`, `g-${prefix}`);
  sandbox.store.users.link(primary!, { provider: 'google-oauth2', identityId: `g-${prefix}` });
  sandbox.store.users.link(primary!, { provider: 'auth0', identityId: `${prefix}1` });
  return { primary: primary!, google, db2: db2! };
}

describe.sequential('erasure', () => {
  test(
    'fails closed: while sessions cannot be revoked nothing is deleted or unlinked, and it says so',
    async () => {
      const { primary, google, db2 } = personWithLinks('erc');
      const audit = join(tempDir(), 'audit.jsonl');
      sandbox.faults.set([
        {
          method: 'DELETE',
          path: `/api/v2/users/${encodeURIComponent(primary)}/sessions`,
          status: 501,
          times: 'always',
          message: 'not implemented by the sandbox',
        },
      ]);
      const refused = await users(sandbox, ['delete', primary, '--confirm', primary, '--audit', audit]);
      sandbox.faults.set([]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `erasure of ${primary} not complete: revoking the sessions of ${primary} failed`,
      );
      expect(refused.stderr).toContain('Nothing was deleted yet');
      expect(
        user(primary)
          ?.identities.map((i) => `${i.provider}|${i.user_id}`)
          .sort(),
      ).toEqual([primary, google, db2].sort());
      expect(auditLines(audit)).toMatchObject([{ command: 'delete', target: primary, result: 'failed' }]);
    },
    T,
  );

  test(
    'sessions, refresh tokens and grants are revoked before anything is deleted',
    async () => {
      const { primary, google, db2 } = personWithLinks('err');
      seedAccess(sandbox, primary, sandbox.createApp('Web'));
      expect(accessOf(sandbox, primary)).toEqual({ sessions: 1, refreshTokens: 1, grants: 1 });
      const audit = join(tempDir(), 'audit.jsonl');
      const result = await users(sandbox, ['delete', primary, '--confirm', primary, '--audit', audit]);
      expect(result.code, result.stderr).toBe(0);
      expect(accessOf(sandbox, primary)).toEqual({ sessions: 0, refreshTokens: 0, grants: 0 });
      // The log holds this test's requests in order: the three revocations come first.
      const deletes = sandbox.requests.filter((r) => r.method === 'DELETE' && r.status < 300);
      const start = deletes.findIndex((r) => r.path === `/api/v2/users/${primary}/sessions`);
      expect(deletes.slice(start, start + 3).map((r) => r.path.split('?')[0])).toEqual([
        `/api/v2/users/${primary}/sessions`,
        `/api/v2/users/${primary}/refresh-tokens`,
        '/api/v2/grants',
      ]);
      expect(deletes.slice(start + 3).map((r) => r.path)).toContain(`/api/v2/users/${primary}`);
      for (const id of [primary, google, db2]) expect(user(id)).toBeUndefined();
    },
    T,
  );

  test(
    'a fault after a linked account was unlinked: the re-run the tool advises finds and deletes it, then the rest',
    async () => {
      const { primary, google, db2 } = personWithLinks('erf');
      const audit = join(tempDir(), 'audit.jsonl');
      // The first linked account's delete fails after its unlink: it is now a standalone user with the person's email.
      sandbox.faults.set([{ method: 'DELETE', path: '/api/v2/users/google-oauth2*', status: 500, times: 'always' }]);
      const failed = await users(sandbox, ['delete', primary, '--confirm', primary, '--audit', audit]);
      sandbox.faults.set([]);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`${google} unlinked, not yet deleted`);
      expect(failed.stderr).toContain(`run the same delete again (users delete ${primary} --confirm ${primary})`);
      expect(user(google)).toBeDefined();
      expect(user(primary)?.identities.map((i) => `${i.provider}|${i.user_id}`)).not.toContain(google);
      const resumed = await users(sandbox, ['delete', primary, '--confirm', primary, '--audit', audit, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      for (const id of [primary, google, db2]) expect(user(id)).toBeUndefined();
      expect(sandbox.store.users.findByEmail('erf0@example.com')).toEqual([]);
      const receipt = JSON.parse(resumed.stdout).data;
      expect(receipt).toMatchObject({
        format: 'users-erasure-receipt/1',
        subject_sha256: sha256(primary),
        accounts_deleted: 3,
        revoked: ['sessions', 'refresh_tokens', 'grants'],
        client_id: sandbox.deployClient.client_id,
      });
      expect(JSON.stringify(receipt)).not.toMatch(/erf|example\.com/);
      // Each account deleted once; the state file is gone.
      for (const id of [primary, google, db2]) expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(1);
      expect(existsSync(`${audit}.erasures`) ? readdirSync(`${audit}.erasures`) : []).toEqual([]);
      expect(auditLines(audit).map((line) => line.result)).toEqual(['failed', 'done']);
    },
    T,
  );
});

describe.sequential('access export', () => {
  test(
    'every section the Management API holds; what it could not read is listed with the reason',
    async () => {
      const [primary] = sandbox.seedDb('exa', 1, {
        app_metadata: { entitlements: ['premium'] },
        user_metadata: { theme: 'light' },
      });
      sandbox.store.users.addBlock(primary!, { identifier: 'exa0@example.com', ip: '198.51.100.7', connection: DB });
      const app = sandbox.createApp('Shop');
      seedAccess(sandbox, primary!, app);
      sandbox.faults.set([
        {
          method: 'GET',
          path: `/api/v2/users/${encodeURIComponent(primary!)}/logs`,
          status: 403,
          times: 'always',
          message: 'Insufficient scope, expected any of: read:logs',
        },
      ]);
      const result = await users(sandbox, ['export', primary!]);
      sandbox.faults.set([]);
      expect(result.code, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(document).toMatchObject({
        format: EXPORT_FORMAT,
        user: { user_id: primary, app_metadata: { entitlements: ['premium'] }, user_metadata: { theme: 'light' } },
        user_blocks: [{ identifier: 'exa0@example.com', ip: '198.51.100.7' }],
        logs: null,
        sessions: [{ user_id: primary, clients: [{ client_id: app }] }],
        refresh_tokens: [{ user_id: primary, client_id: app }],
        grants: [{ user_id: primary, clientID: app, audience: 'https://api.example.com', scope: ['read:orders'] }],
      });
      for (const section of [
        'logs',
        'sessions',
        'refresh_tokens',
        'grants',
        'authentication_methods',
        'enrollments',
        'roles',
        'permissions',
        'organizations',
      ]) {
        expect(document).toHaveProperty(section);
        const gap = document.not_read.find((entry: { section: string }) => entry.section === section);
        // Either read (a list) or listed as not read, with why.
        expect(Array.isArray(document[section]) || (document[section] === null && gap !== undefined), section).toBe(
          true,
        );
      }
      expect(document.not_read).toContainEqual(
        expect.objectContaining({
          section: 'logs',
          status: 403,
          reason: expect.stringContaining('forbidden: the client lacks the scope (read:logs or read:logs_users)'),
        }),
      );
      expect(document.not_read).toContainEqual(
        expect.objectContaining({
          section: 'roles',
          status: 501,
          reason: expect.stringContaining('not available on this tenant'),
        }),
      );
    },
    T,
  );
});

describe.sequential('export-users (users export job)', () => {
  test(
    'the whole connection through a job, with its progress, to a new file; the audit line counts, never lists',
    async () => {
      const connection = 'Export-DB';
      sandbox.store.connections.create({ name: connection, strategy: 'auth0', options: {} });
      sandbox.store.users.seed(
        Array.from({ length: 1200 }, (_, n) => ({
          connection,
          email: `xj${n}@example.com`,
          email_verified: true,
          identityId: `xj${n}`,
        })),
      );
      const dir = tempDir();
      const output = join(dir, 'users.ndjson');
      const audit = join(dir, 'audit.jsonl');
      const result = await users(sandbox, [
        'export-users',
        '--connection',
        connection,
        '--output',
        output,
        '--fields',
        'user_id,email',
        '--audit',
        audit,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/job job_\w+: completed, 100%/);
      expect(result.stdout).toMatch(/^exported 1200 users \(json\) to .*users\.ndjson/);
      const lines = readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { user_id: string; email: string });
      expect(lines).toHaveLength(1200);
      expect(lines[0]).toEqual({
        user_id: expect.stringMatching(/^auth0\|xj/),
        email: expect.stringMatching(/@example\.com$/),
      });
      expect(auditLines(audit)).toMatchObject([
        { command: 'export-users', target: null, result: 'done', details: { records: 1200, connection } },
      ]);
      expect(readFileSync(audit, 'utf8')).not.toContain('xj0');
      const again = await users(sandbox, ['export-users', '--output', output]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('an existing one is never overwritten');
      expect(sandbox.requests.filter((r) => r.path === '/api/v2/jobs/users-exports')).toHaveLength(1);
    },
    T,
  );

  test(
    'import-users: a JSON file into a connection through a users import job; duplicates fail unless --upsert; the summary and the failures',
    async () => {
      const connection = 'Import-DB';
      sandbox.store.connections.create({ name: connection, strategy: 'auth0', options: {} });
      const dir = tempDir();
      const file = join(dir, 'users.json');
      writeFileSync(
        file,
        JSON.stringify([
          { email: 'imp0@example.com', email_verified: true, given_name: 'Ada', user_metadata: { theme: 'dark' } },
          { email: 'imp1@example.com', app_metadata: { entitlements: ['premium'] } },
          { name: 'no email' },
        ]),
      );
      const first = await users(sandbox, ['import-users', file, '--connection', connection]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/job job_\w+: completed/);
      expect(first.stdout).toContain(`imported into ${connection}`);
      expect(first.stdout).toContain('2 inserted, 0 updated, 1 failed of 3');
      expect(first.stdout).toContain('Missing required property: email');
      const [imported] = sandbox.store.users.findByEmail('imp0@example.com');
      expect(imported).toMatchObject({
        given_name: 'Ada',
        user_metadata: { theme: 'dark' },
        identities: [{ connection }],
      });
      writeFileSync(file, JSON.stringify([{ email: 'imp0@example.com', given_name: 'Ada L.' }]));
      const duplicate = await users(sandbox, ['import-users', file, '--connection', connection]);
      expect(duplicate.stdout).toContain('0 inserted, 0 updated, 1 failed of 1');
      const upsert = await users(sandbox, ['import-users', file, '--connection', connection, '--upsert']);
      expect(upsert.stdout).toContain('0 inserted, 1 updated, 0 failed of 1');
      expect(sandbox.store.users.findByEmail('imp0@example.com')[0]?.given_name).toBe('Ada L.');
      writeFileSync(file, 'x'.repeat(600 * 1024));
      const tooBig = await users(sandbox, ['import-users', file, '--connection', connection]);
      expect(tooBig.code).toBe(2);
      expect(tooBig.stderr).toContain("the users file is over Auth0's 500 KB limit");
    },
    T,
  );
});
