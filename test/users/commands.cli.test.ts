import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORT_FORMAT } from '../../tooling/users/commands/gdpr';
import { statePaths } from '../../local/sandbox/state';
import { loadOrCreateTls } from '../../local/sandbox/tls';
import {
  cliEnv,
  DB,
  GOOGLE,
  removeTemporary,
  spawnUsers,
  startUsersSandbox,
  tempDir,
  users,
  type UsersSandbox,
} from './helpers';

/**
 * Every command through runCli, in this process, against an in-process sandbox; and one smoke
 * test of `npm run users` itself in a child process. Tests run concurrently on users of their own.
 */

let sandbox: UsersSandbox;
let webApp: string;

beforeAll(async () => {
  sandbox = await startUsersSandbox();
  webApp = sandbox.createApp('Web');
});

afterAll(async () => {
  await sandbox?.close();
  removeTemporary();
});

const user = (id: string) => sandbox.store.users.get(id);
const T = 60_000;

describe.concurrent('show', () => {
  test(
    'by id for people, by email as JSON; the targeted tenant is printed',
    async () => {
      const [id] = sandbox.seedDb('show', 1, { app_metadata: { entitlements: ['premium'] } });
      const human = await users(sandbox, ['show', id!]);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`${id}  show0@example.com (verified)`);
      expect(human.stdout).toContain('app_metadata: {"entitlements":["premium"]}');
      expect(human.stderr).toContain(
        `tenant: sandbox ${sandbox.domain} (AUTH0_DOMAIN, overriding tenant/environments/sandbox.yaml), as client ${sandbox.deployClient.client_id}`,
      );
      expect(human.stderr).not.toContain(sandbox.deployClient.client_secret);
      const json = await users(sandbox, ['show', 'SHOW0@example.com', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        command: 'show',
        status: 'done',
        user_id: id,
        data: { identities: [{ provider: 'auth0', connection: DB }] },
      });
    },
    T,
  );

  test(
    'an unknown user, an email shared by two users, and a malformed reference are clear errors',
    async () => {
      sandbox.seedDb('twin', 1);
      const google = sandbox.googleUser('twin0@example.com', 'g-twin');
      const [unknown, ambiguous, malformed, json] = await Promise.all([
        users(sandbox, ['show', 'auth0|nobody']),
        users(sandbox, ['show', 'twin0@example.com']),
        users(sandbox, ['show', 'nobody']),
        users(sandbox, ['show', 'ghost@example.com', '--json']),
      ]);
      expect(unknown).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr).toContain('error: no user auth0|nobody');
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toContain(
        `2 users have the email twin0@example.com: auth0|twin0 (${DB}), ${google} (${GOOGLE})`,
      );
      expect(ambiguous.stderr).toContain('fix: pass the user id of the one you mean');
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('"nobody" is neither a user id nor an email');
      expect(JSON.parse(json.stdout)).toEqual({
        command: 'show',
        status: 'failed',
        error: {
          kind: 'unknown_user',
          message: 'no user with email ghost@example.com — check the address, or pass the user id',
        },
      });
    },
    T,
  );
});

describe.concurrent('block, unblock, unblock-brute-force', () => {
  test(
    'block by email, again (unchanged), a dry run of unblock writes nothing, unblock by id',
    async () => {
      const [id] = sandbox.seedDb('blk', 1);
      expect((await users(sandbox, ['block', 'blk0@example.com'])).stdout).toBe(`blocked ${id}\n`);
      expect(user(id!)?.blocked).toBe(true);
      expect((await users(sandbox, ['block', 'blk0@example.com'])).stdout).toBe(`${id} is already blocked\n`);
      const dry = await users(sandbox, ['unblock', id!, '--dry-run']);
      expect(dry.stdout).toBe(`would set blocked=false on ${id}\n`);
      expect(user(id!)?.blocked).toBe(true);
      expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(1);
      expect((await users(sandbox, ['unblock', id!])).stdout).toBe(`unblocked ${id}\n`);
      expect(user(id!)?.blocked).toBeUndefined();
    },
    T,
  );

  test(
    'block of an unknown id fails without creating anything',
    async () => {
      const result = await users(sandbox, ['block', 'auth0|ghost']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no user auth0|ghost');
    },
    T,
  );

  test(
    'unblock-brute-force clears the user-blocks and says which',
    async () => {
      const [id] = sandbox.seedDb('brute', 1);
      sandbox.store.users.addBlock(id!, { identifier: 'brute0@example.com', ip: '203.0.113.9', connection: DB });
      const cleared = await users(sandbox, ['unblock-brute-force', id!]);
      expect(cleared.stdout).toBe(`cleared 1 brute-force block(s) of ${id}: 203.0.113.9\n`);
      expect(sandbox.store.users.blocks(id!)).toEqual([]);
      expect((await users(sandbox, ['unblock-brute-force', 'brute0@example.com'])).stdout).toBe(
        `${id} has no brute-force blocks\n`,
      );
    },
    T,
  );
});

describe.concurrent('block-app, unblock-app, entitle, revoke, reset-terms', () => {
  const others = {
    terms: { version: '2026-01', accepted_at: '2026-01-02T00:00:00Z' },
    account_linking: { status: 'declined', checked_at: '2026-01-01T00:00:00Z' },
  };

  test(
    'block-app adds one client id and leaves every other key alone; unblock-app removes it',
    async () => {
      const [id] = sandbox.seedDb('gate', 1, { app_metadata: { ...others, blocked_apps: ['old-app'] } });
      const added = await users(sandbox, ['block-app', id!, webApp]);
      expect(added.stdout).toBe(`added ${webApp} to app_metadata.blocked_apps of ${id}\n`);
      expect(user(id!)?.app_metadata).toEqual({ ...others, blocked_apps: ['old-app', webApp] });
      expect((await users(sandbox, ['block-app', 'gate0@example.com', webApp])).stdout).toContain(
        `${webApp} is already in app_metadata.blocked_apps`,
      );
      const removed = await users(sandbox, ['unblock-app', id!, webApp, '--json']);
      expect(JSON.parse(removed.stdout)).toMatchObject({
        status: 'done',
        data: { key: 'blocked_apps', before: ['old-app', webApp], after: ['old-app'] },
      });
      expect(user(id!)?.app_metadata).toEqual({ ...others, blocked_apps: ['old-app'] });
      // Removing a client that no longer exists is how stale entries get cleaned up.
      expect((await users(sandbox, ['unblock-app', id!, 'old-app'])).code).toBe(0);
      expect(user(id!)?.app_metadata.blocked_apps).toEqual([]);
    },
    T,
  );

  test(
    'an unknown client, a malformed client id, a blocked_apps that is not a list are refused',
    async () => {
      const [id, broken] = sandbox.seedDb('gatebad', 2);
      sandbox.store.users.update(broken!, { app_metadata: { blocked_apps: 'everything' } });
      const [unknown, malformed, notList] = await Promise.all([
        users(sandbox, ['block-app', id!, 'NoSuchClient123']),
        users(sandbox, ['block-app', id!, 'Web App']),
        users(sandbox, ['unblock-app', broken!, webApp]),
      ]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no application with client id NoSuchClient123');
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain('"Web App" is not a client id');
      expect(notList.code).toBe(1);
      expect(notList.stderr).toContain(`app_metadata.blocked_apps of ${broken} is "everything", not a list`);
      expect(user(broken!)?.app_metadata.blocked_apps).toBe('everything');
    },
    T,
  );

  test(
    'a key changed by someone else while our write is in flight survives it',
    async () => {
      const [id] = sandbox.seedDb('clobber', 1, { app_metadata: { entitlements: ['basic'] } });
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*clobber0', latencyMs: 1500 }]);
      try {
        const run = users(sandbox, ['entitle', id!, 'premium']);
        await expect.poll(() => sandbox.faults.hits().length, { timeout: 20_000, interval: 20 }).toBe(1);
        // Written after our read, before our PATCH lands: an Action recording a linking decision.
        sandbox.store.users.update(id!, {
          app_metadata: { account_linking: { status: 'no_candidates', checked_at: 'now' } },
        });
        expect((await run).code).toBe(0);
      } finally {
        sandbox.faults.set([]);
      }
      expect(user(id!)?.app_metadata).toEqual({
        entitlements: ['basic', 'premium'],
        account_linking: { status: 'no_candidates', checked_at: 'now' },
      });
    },
    T,
  );

  test(
    'entitle and revoke edit app_metadata.entitlements; a bad entitlement is a usage error',
    async () => {
      const [id] = sandbox.seedDb('ent', 1, { app_metadata: others });
      expect((await users(sandbox, ['entitle', id!, 'premium'])).stdout).toBe(
        `added premium to app_metadata.entitlements of ${id}\n`,
      );
      expect((await users(sandbox, ['entitle', id!, 'premium'])).stdout).toBe(
        `premium is already in app_metadata.entitlements of ${id}\n`,
      );
      expect(user(id!)?.app_metadata).toEqual({ ...others, entitlements: ['premium'] });
      expect((await users(sandbox, ['revoke', id!, 'premium', '--dry-run'])).stdout).toBe(
        `would remove premium from app_metadata.entitlements of ${id}\n`,
      );
      expect((await users(sandbox, ['revoke', id!, 'premium'])).stdout).toBe(
        `removed premium from app_metadata.entitlements of ${id}\n`,
      );
      expect(user(id!)?.app_metadata).toEqual({ ...others, entitlements: [] });
      const bad = await users(sandbox, ['entitle', id!, 'two words']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('"two words" is not an entitlement');
    },
    T,
  );

  test(
    'reset-terms deletes app_metadata.terms only',
    async () => {
      const [id] = sandbox.seedDb('terms', 1, { app_metadata: { ...others, entitlements: ['x'] } });
      expect((await users(sandbox, ['reset-terms', id!])).stdout).toBe(
        `removed app_metadata.terms of ${id}: terms will be asked again at next login\n`,
      );
      expect(user(id!)?.app_metadata).toEqual({ account_linking: others.account_linking, entitlements: ['x'] });
      expect((await users(sandbox, ['reset-terms', 'terms0@example.com'])).stdout).toBe(
        `${id} has no accepted terms on record\n`,
      );
    },
    T,
  );
});

describe.concurrent('verify-email, reset-password', () => {
  test(
    'verify-email queues a job for an unverified address, and sends nothing to a verified one or in a dry run',
    async () => {
      const [unverified, verified] = sandbox.seedDb('mail', 2, { email_verified: false });
      sandbox.store.users.update(verified!, { email_verified: true });
      const dry = await users(sandbox, ['verify-email', unverified!, '--dry-run']);
      expect(dry.stdout).toBe('would send a verification email to mail0@example.com\n');
      expect(sandbox.store.tickets.jobsFor(unverified!)).toEqual([]);
      const sent = await users(sandbox, ['verify-email', 'mail0@example.com']);
      expect(sent.stdout).toMatch(/^verification email to mail0@example.com queued \(job job_\w+\)\n$/);
      expect(sandbox.store.tickets.jobsFor(unverified!)).toHaveLength(1);
      expect((await users(sandbox, ['verify-email', verified!])).stdout).toBe(
        'mail1@example.com is already verified; nothing sent\n',
      );
      expect(sandbox.store.tickets.jobsFor(verified!)).toEqual([]);
    },
    T,
  );

  test(
    'reset-password prints a ticket URL for a database user and refuses a social-only user',
    async () => {
      const [id] = sandbox.seedDb('pw', 1);
      const social = sandbox.googleUser('pw-social@example.com', 'g-pw');
      const ticket = await users(sandbox, ['reset-password', id!]);
      expect(ticket.code).toBe(0);
      expect(ticket.stdout).toContain(`password change ticket for ${id} (${DB})`);
      expect(ticket.stdout).toMatch(
        new RegExp(`https://${sandbox.domain.replace('.', '\\.')}/u/reset-verify\\?ticket=\\w+`),
      );
      expect(sandbox.store.tickets.ticketsFor(id!)).toHaveLength(1);
      const refused = await users(sandbox, ['reset-password', social]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${social} signs in through ${GOOGLE}, not a database connection`);
      expect(refused.stderr).toContain('password resets apply to database connections only');
      expect(sandbox.store.tickets.ticketsFor(social)).toEqual([]);
    },
    T,
  );
});

describe.concurrent('link, unlink', () => {
  test(
    'link absorbs the secondary (a copy of the metadata Auth0 discards kept); unlink makes it standalone again, restoring it on request',
    async () => {
      const [primary] = sandbox.seedDb('lnk', 1);
      const secondary = sandbox.googleUser('lnk0@example.com', 'g-lnk');
      sandbox.store.users.update(secondary, {
        user_metadata: { theme: 'dark' },
        app_metadata: { entitlements: ['premium'] },
      });
      const audit = join(tempDir(), 'audit.jsonl');
      const noAudit = await users(sandbox, ['link', primary!, secondary, '--confirm', secondary]);
      expect(noAudit.code).toBe(2);
      expect(noAudit.stderr).toContain(
        `link discards ${secondary}'s metadata (app_metadata.entitlements, user_metadata.theme) and needs the audit log to keep a copy`,
      );
      const unconfirmed = await users(sandbox, ['link', primary!, secondary, '--audit', audit]);
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain(`link needs --confirm ${secondary}`);
      const dry = await users(sandbox, [
        'link',
        primary!,
        secondary,
        '--confirm',
        secondary,
        '--audit',
        audit,
        '--dry-run',
      ]);
      expect(dry.stdout).toBe(
        `would link ${secondary} under ${primary}; its metadata (app_metadata.entitlements, user_metadata.theme) is discarded by Auth0, a copy kept\n`,
      );
      expect(user(secondary)).toBeDefined();
      const linked = await users(sandbox, [
        'link',
        primary!,
        secondary,
        '--confirm',
        secondary,
        '--audit',
        audit,
        '--reason',
        'ticket 17',
      ]);
      expect(linked.stdout).toBe(
        `linked ${secondary} under ${primary} (2 identities now); its metadata (app_metadata.entitlements, user_metadata.theme) is discarded by Auth0, a copy kept\n`,
      );
      expect(user(secondary)).toBeUndefined();
      expect(user(primary!)?.identities.map((i) => `${i.provider}|${i.user_id}`)).toEqual([primary, secondary]);
      const trail = readFileSync(audit, 'utf8');
      expect(trail).not.toContain('dark');
      expect(trail).not.toContain('lnk0@example.com');
      const lines = trail
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      // The refused attempt (no --confirm) is on record too; the dry run changed nothing and is not.
      expect(lines).toMatchObject([
        { command: 'link', target: primary, result: 'failed', error_kind: 'usage' },
        {
          command: 'link',
          target: primary,
          result: 'done',
          reason: 'ticket 17',
          details: { secondary, overrides: [] },
        },
      ]);
      const self = await users(sandbox, ['link', primary!, primary!]);
      expect(self.stderr).toContain(`${primary} cannot be linked to itself`);
      const nested = await users(sandbox, ['link', sandbox.seedDb('lnkother', 1)[0]!, primary!]);
      expect(nested.stderr).toContain(`${primary} has linked identities of its own`);
      const offered = await users(sandbox, ['unlink', primary!, secondary, '--audit', audit, '--dry-run']);
      expect(offered.stdout).toContain('is kept: unlink with --restore-metadata to put it back');
      const unlinked = await users(sandbox, ['unlink', primary!, secondary, '--audit', audit, '--restore-metadata']);
      expect(unlinked.stdout).toBe(
        `unlinked ${secondary} from ${primary}; it is a standalone user again, with its metadata restored (app_metadata.entitlements, user_metadata.theme)\n`,
      );
      expect(user(secondary)?.identities).toHaveLength(1);
      expect(user(secondary)).toMatchObject({
        user_metadata: { theme: 'dark' },
        app_metadata: { entitlements: ['premium'] },
      });
      expect(user(primary!)?.identities).toHaveLength(1);
    },
    T,
  );

  test(
    'unlink of an identity that is not linked lists the ones that are; a malformed identity is a usage error',
    async () => {
      const [primary] = sandbox.seedDb('unl', 1);
      const [notLinked, own, malformed] = await Promise.all([
        users(sandbox, ['unlink', primary!, 'google-oauth2|nope']),
        users(sandbox, ['unlink', primary!, primary!]),
        users(sandbox, ['unlink', primary!, 'nope']),
      ]);
      expect(notLinked.code).toBe(1);
      expect(notLinked.stderr).toContain(`google-oauth2|nope is not linked to ${primary}`);
      expect(notLinked.stderr).toContain(`${primary} has no linked identities`);
      expect(own.stderr).toContain(`${primary} is ${primary}'s own identity`);
      expect(malformed.code).toBe(2);
    },
    T,
  );
});

describe.concurrent('export, delete', () => {
  test(
    'export: the user, identities, metadata and brute-force blocks, without identity provider tokens',
    async () => {
      const [primary] = sandbox.seedDb('exp', 1, {
        app_metadata: { entitlements: ['premium'] },
        user_metadata: { theme: 'light' },
      });
      const secondary = sandbox.googleUser('exp-g@example.com', 'g-exp');
      sandbox.store.users.link(primary!, { provider: 'google-oauth2', identityId: 'g-exp' });
      sandbox.store.users.addBlock(primary!, { identifier: 'exp0@example.com', ip: '198.51.100.7', connection: DB });
      const result = await users(sandbox, ['export', 'exp0@example.com']);
      expect(result.code).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(document).toMatchObject({
        format: EXPORT_FORMAT,
        tenant: sandbox.domain,
        user: {
          user_id: primary,
          email: 'exp0@example.com',
          app_metadata: { entitlements: ['premium'] },
          user_metadata: { theme: 'light' },
          identities: [
            { provider: 'auth0', user_id: 'exp0' },
            {
              provider: 'google-oauth2',
              user_id: secondary.split('|')[1],
              profileData: { email: 'exp-g@example.com' },
            },
          ],
        },
        user_blocks: [{ identifier: 'exp0@example.com', ip: '198.51.100.7' }],
      });
      expect(result.stdout).not.toMatch(/"(access_token|refresh_token|access_token_secret)"/);
      expect(JSON.parse((await users(sandbox, ['export', primary!, '--json'])).stdout)).toMatchObject({
        command: 'export',
        data: { format: EXPORT_FORMAT },
      });
    },
    T,
  );

  test(
    'delete demands --confirm with the exact id and an audit log; a dry run prints the plan and changes nothing',
    async () => {
      const [primary, db2] = sandbox.seedDb('del', 2);
      const google = sandbox.googleUser('del-g@example.com', 'g-del');
      sandbox.store.users.link(primary!, { provider: 'google-oauth2', identityId: 'g-del' });
      sandbox.store.users.link(primary!, { provider: 'auth0', identityId: 'del1' });
      const audit = join(tempDir(), 'audit.jsonl');
      const [noAudit, missing, wrong] = await Promise.all([
        users(sandbox, ['delete', 'del0@example.com', '--confirm', primary!]),
        users(sandbox, ['delete', 'del0@example.com', '--audit', audit]),
        users(sandbox, ['delete', 'del0@example.com', '--confirm', 'auth0|del1', '--audit', audit]),
      ]);
      expect(noAudit.code).toBe(2);
      expect(noAudit.stderr).toContain('delete needs the audit log');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`delete needs --confirm ${primary}`);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`--confirm auth0|del1 does not match the user to delete (${primary})`);
      // Linked accounts first, in the order the API lists them, the primary last.
      const plan = [
        ...user(primary!)!
          .identities.slice(1)
          .map((i) => `${i.provider}|${i.user_id}`),
        primary!,
      ];
      expect(plan.slice(0, 2).sort()).toEqual([db2, google].sort());
      const dry = await users(sandbox, ['delete', primary!, '--confirm', primary!, '--dry-run', '--audit', audit]);
      expect(dry.stdout).toBe(`would revoke sessions, refresh tokens and grants, then delete ${plan.join(', ')}\n`);
      expect(user(primary!)?.identities).toHaveLength(3);
    },
    T,
  );
});

describe.concurrent('invocation', () => {
  test(
    'usage errors exit 2 and say what to do; --help exits 0',
    async () => {
      const [none, unknown, help, notBulk, rate, env, mismatch, extra] = await Promise.all([
        users(sandbox, []),
        users(sandbox, ['frobnicate']),
        users(sandbox, ['block-app', '--help']),
        users(sandbox, ['show', '--from', 'x.csv']),
        users(sandbox, ['block', 'auth0|x', '--rate', 'fast']),
        users(sandbox, ['show', 'auth0|x', '--env', 'nope']),
        users(sandbox, ['show', 'auth0|x', '--env', 'prod']),
        users(sandbox, ['show', 'auth0|x', 'extra']),
      ]);
      expect(none).toMatchObject({ code: 2 });
      expect(none.stdout).toContain('usage: npm run users -- <command> <user>');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown command "frobnicate"');
      expect(help).toMatchObject({ code: 0 });
      expect(help.stdout).toContain('users block-app <user> <client_id>');
      expect(notBulk.stderr).toContain('show does not run in bulk');
      expect(rate.stderr).toContain('--rate fast is not a number');
      expect(env.stderr).toContain('--env nope: no environment named "nope"');
      expect(mismatch.stderr).toContain(
        `AUTH0_DOMAIN is ${sandbox.domain} but --env prod targets acme-prod.eu.auth0.com`,
      );
      expect(extra.stderr).toContain('show takes 1 argument(s), got 2');
      for (const result of [notBulk, rate, env, mismatch, extra]) expect(result.code).toBe(2);
    },
    T,
  );

  test(
    'wrong credentials fail before any work, without printing the secret',
    async () => {
      const result = await users(sandbox, ['show', 'auth0|x'], { AUTH0_CLIENT_SECRET: 'wrong-secret-value' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`could not get a Management API token from ${sandbox.domain}`);
      expect(result.stderr).not.toContain('wrong-secret-value');
    },
    T,
  );

  test(
    "npm run users as npm runs it (the TypeScript entry): the sandbox by default; a caller's extra CA is kept, not replaced",
    async () => {
      const [id] = sandbox.seedDb('dflt', 1);
      // The state folder of another sandbox (an earlier npm start), with a CA of its own.
      const otherState = tempDir();
      await loadOrCreateTls(statePaths(otherState));
      const [byDefault, otherServer] = await Promise.all([
        // Only where the sandbox runs: credentials and CA come from its state folder.
        spawnUsers(
          ['show', id!],
          cliEnv(sandbox, {
            AUTH0_CLIENT_ID: '',
            AUTH0_CLIENT_SECRET: '',
            NODE_EXTRA_CA_CERTS: '',
            SANDBOX_STATE_DIR: sandbox.stateDir,
          }),
        ),
        // As the bench runs it: AUTH0_DOMAIN names a server only the caller's CA vouches for.
        spawnUsers(['show', id!], cliEnv(sandbox, { SANDBOX_STATE_DIR: otherState })),
      ]);
      expect(byDefault.code, byDefault.stderr).toBe(0);
      expect(byDefault.stderr).toContain(`as client ${sandbox.deployClient.client_id} (sandbox bootstrap`);
      expect(byDefault.stdout).toContain(id);
      expect(otherServer.code, otherServer.stderr).toBe(0);
      expect(otherServer.stdout).toContain(id);
    },
    T,
  );
});
