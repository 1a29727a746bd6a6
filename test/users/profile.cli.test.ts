import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Outbox } from '../../local/sandbox/email';
import { DB, removeTemporary, startUsersSandbox, tempDir, users, type UsersSandbox } from './helpers';

/** Safe linking, rectification (update), writes by id that change nothing, and the audit trail, against the sandbox. */

let sandbox: UsersSandbox;
let webApp: string;
const T = 60_000;

beforeAll(async () => {
  sandbox = await startUsersSandbox();
  webApp = sandbox.createApp('Web');
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

describe.concurrent('link never lifts a block nor joins two people', () => {
  test(
    'a blocked secondary, or one blocked for an app the primary is not, is refused; --carry-blocks carries them over',
    async () => {
      const [primary, other] = sandbox.seedDb('lkb', 2);
      const blocked = sandbox.googleUser('lkb0@example.com', 'g-lkb-blocked');
      sandbox.store.users.update(blocked, { blocked: true });
      const appBlocked = sandbox.googleUser('lkb1@example.com', 'g-lkb-app');
      sandbox.store.users.update(appBlocked, { app_metadata: { blocked_apps: [webApp] } });
      const [refusedBlocked, refusedApp] = await Promise.all([
        users(sandbox, ['link', primary!, blocked, '--confirm', blocked]),
        users(sandbox, ['link', other!, appBlocked, '--confirm', appBlocked]),
      ]);
      expect(refusedBlocked.code).toBe(1);
      expect(refusedBlocked.stderr).toContain(`refusing to link: ${blocked} is blocked and ${primary} is not`);
      expect(refusedBlocked.stderr).toContain('only then: --carry-blocks');
      expect(refusedApp.stderr).toContain(`${appBlocked} is blocked for 1 application(s) ${other} is not (${webApp})`);
      expect(user(blocked)).toBeDefined();
      expect(user(appBlocked)).toBeDefined();
      expect(
        sandbox.writesTo(`/api/v2/users/${primary}/identities`) + sandbox.writesTo(`/api/v2/users/${other}/identities`),
      ).toBe(0);

      const audit = join(tempDir(), 'audit.jsonl');
      const carried = await users(sandbox, [
        'link',
        other!,
        appBlocked,
        '--confirm',
        appBlocked,
        '--carry-blocks',
        '--audit',
        audit,
      ]);
      expect(carried.code, carried.stderr).toBe(0);
      expect(carried.stdout).toContain(`carried over to ${other}: blocked_apps ${webApp}`);
      expect(user(other!)?.app_metadata).toMatchObject({ blocked_apps: [webApp] });
      const carriedBlock = await users(sandbox, [
        'link',
        primary!,
        blocked,
        '--confirm',
        blocked,
        '--carry-blocks',
        '--audit',
        audit,
      ]);
      expect(carriedBlock.code, carriedBlock.stderr).toBe(0);
      expect(user(primary!)?.blocked).toBe(true);
      expect(auditLines(audit).map((line) => line.details)).toMatchObject([
        { overrides: ['--carry-blocks'] },
        { overrides: ['--carry-blocks'] },
      ]);
    },
    T,
  );

  test(
    'different emails or an unverified one are refused; the override flags allow it and are named in the audit line',
    async () => {
      const [primary, unverifiedPrimary] = sandbox.seedDb('lke', 2);
      sandbox.store.users.update(unverifiedPrimary!, { email_verified: false });
      const stranger = sandbox.googleUser('someone-else@example.com', 'g-lke-other');
      const twin = sandbox.googleUser('lke1@example.com', 'g-lke-twin');
      const [mismatch, unverified] = await Promise.all([
        users(sandbox, ['link', primary!, stranger, '--confirm', stranger]),
        users(sandbox, ['link', unverifiedPrimary!, twin, '--confirm', twin]),
      ]);
      expect(mismatch.stderr).toContain('the two accounts do not have the same email address');
      expect(mismatch.stderr).toContain('--allow-email-mismatch');
      expect(unverified.stderr).toContain(`the email of ${unverifiedPrimary} is not verified`);
      expect(unverified.stderr).toContain('--allow-unverified');
      const audit = join(tempDir(), 'audit.jsonl');
      const forced = await users(sandbox, [
        'link',
        primary!,
        stranger,
        '--confirm',
        stranger,
        '--allow-email-mismatch',
        '--audit',
        audit,
        '--reason',
        'case 9',
      ]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(auditLines(audit)).toMatchObject([
        {
          command: 'link',
          result: 'done',
          target: primary,
          reason: 'case 9',
          details: { overrides: ['--allow-email-mismatch'] },
        },
      ]);
      expect(readFileSync(audit, 'utf8')).not.toContain('someone-else@example.com');
    },
    T,
  );
});

describe.concurrent('writes by id', () => {
  test(
    'say "already ..." when nothing changed, exactly as by email, and send no write',
    async () => {
      const [id] = sandbox.seedDb('already', 1);
      sandbox.store.users.update(id!, { blocked: true });
      const [byId, byEmail] = await Promise.all([
        users(sandbox, ['block', id!]),
        users(sandbox, ['block', 'already0@example.com']),
      ]);
      expect(byId.stdout).toBe(`${id} is already blocked\n`);
      expect(byEmail.stdout).toBe(byId.stdout);
      expect((await users(sandbox, ['reset-terms', id!])).stdout).toBe(`${id} has no accepted terms on record\n`);
      expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(0);
    },
    T,
  );
});

describe.concurrent('update (rectification)', () => {
  test(
    'profile fields and user_metadata keys: a dry run shows before → after, only the named keys are sent, again is "already"',
    async () => {
      const [id] = sandbox.seedDb('upd', 1, {
        user_metadata: { theme: 'light', lang: 'en' },
        app_metadata: { terms: { version: 3 } },
      });
      sandbox.store.users.update(id!, { name: 'Ada', nickname: 'ada' });
      const edits = [
        '--set',
        'name=Ada Lovelace',
        '--unset',
        'nickname',
        '--meta',
        'theme="dark"',
        '--unset-meta',
        'lang',
      ];
      const dry = await users(sandbox, ['update', id!, ...edits, '--dry-run']);
      expect(dry.stdout).toBe(
        `would update ${id}:\n  name: "Ada" → "Ada Lovelace"\n  nickname: "ada" → (none)\n  user_metadata.theme: "light" → "dark"\n  user_metadata.lang: "en" → (none)\n`,
      );
      expect(user(id!)?.name).toBe('Ada');
      const audit = join(tempDir(), 'audit.jsonl');
      const done = await users(sandbox, ['update', id!, ...edits, '--audit', audit]);
      expect(done.code, done.stderr).toBe(0);
      expect(user(id!)).toMatchObject({
        name: 'Ada Lovelace',
        user_metadata: { theme: 'dark' },
        app_metadata: { terms: { version: 3 } },
      });
      expect(user(id!)?.nickname).toBeUndefined();
      expect(user(id!)?.user_metadata).not.toHaveProperty('lang');
      const again = await users(sandbox, ['update', 'upd0@example.com', ...edits, '--audit', audit]);
      expect(again.stdout).toBe(`${id} already has these values; nothing sent\n`);
      expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(1);
      const trail = readFileSync(audit, 'utf8');
      expect(trail).not.toContain('Lovelace');
      expect(auditLines(audit)).toMatchObject([
        {
          command: 'update',
          target: id,
          result: 'done',
          details: { fields: ['name', 'nickname', 'user_metadata.theme', 'user_metadata.lang'] },
        },
        { command: 'update', target: id, result: 'unchanged' },
      ]);
    },
    T,
  );

  test(
    'bad edits are usage errors; oversized values and ids are refused without being echoed',
    async () => {
      const [id] = sandbox.seedDb('updbad', 1);
      const big = 'x'.repeat(20_000);
      const [field, json, none, huge, hugeId, email, entitlement] = await Promise.all([
        users(sandbox, ['update', id!, '--set', 'blocked=true']),
        users(sandbox, ['update', id!, '--meta', 'theme=dark']),
        users(sandbox, ['update', id!]),
        users(sandbox, ['update', id!, '--meta', `blob="${big}"`]),
        users(sandbox, ['show', `auth0|${big}`]),
        users(sandbox, ['update', id!, '--set', 'email=not-an-email']),
        users(sandbox, ['entitle', id!, 'x'.repeat(300)]),
      ]);
      expect(field.stderr).toContain('"blocked" is not a profile field update can change');
      expect(json.stderr).toContain('the value for user_metadata.theme is not JSON');
      expect(none.stderr).toContain('update needs at least one edit');
      expect(huge.stderr).toContain('the value for user_metadata.blob is over 16384 bytes');
      expect(hugeId.stderr).toContain('a user reference of 20006 bytes is over the 1024-byte limit');
      expect(email.stderr).toContain('the value for email is not a valid email');
      expect(entitlement.stderr).toContain('a value of 300 characters is not an entitlement');
      for (const result of [field, json, none, huge, hugeId, email, entitlement]) {
        expect(result.code).toBe(2);
        expect(result.stderr).not.toContain('xxxxxxxx');
      }
      expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(0);
    },
    T,
  );
});

describe.concurrent('reset-password', () => {
  test(
    '--ttl and --result-url go into the ticket; bad values are usage errors; the audit line holds no ticket',
    async () => {
      const [id] = sandbox.seedDb('pwt', 1);
      const audit = join(tempDir(), 'audit.jsonl');
      const result = await users(sandbox, [
        'reset-password',
        id!,
        '--ttl',
        '3600',
        '--result-url',
        'https://app.example.com/done',
        '--audit',
        audit,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('valid 1 hour(s)');
      const [ticket] = sandbox.store.tickets.ticketsFor(id!);
      expect(ticket?.result_url).toBe('https://app.example.com/done');
      expect(Math.abs(Date.parse(ticket!.expires_at) - Date.now() - 3_600_000)).toBeLessThan(60_000);
      expect(readFileSync(audit, 'utf8')).not.toContain('ticket=');
      const [ttl, url] = await Promise.all([
        users(sandbox, ['reset-password', id!, '--ttl', '9999999']),
        users(sandbox, ['reset-password', id!, '--result-url', 'http://insecure.example.com']),
      ]);
      expect(ttl.stderr).toContain('--ttl 9999999 is not a whole number of seconds from 1 to 2592000');
      expect(url.stderr).toContain('--result-url must be an https:// URL');
      expect(sandbox.store.tickets.ticketsFor(id!)).toHaveLength(1);
    },
    T,
  );

  test(
    '--email has Auth0 send one reset_email and prints no ticket; --dry-run sends nothing; the audit line holds no email',
    async () => {
      const [id] = sandbox.seedDb('pwe', 1);
      const outbox = new Outbox(sandbox.store.db);
      // As in Auth0, /dbconnections/change_password needs the connection enabled for the tool's client.
      const database = sandbox.store.connections.getByName(DB)!;
      sandbox.store.connections.changeEnabledClients(database.id, [
        { client_id: sandbox.deployClient.client_id, status: true },
      ]);
      const planned = await users(sandbox, ['reset-password', id!, '--email', '--dry-run']);
      expect(planned.code, planned.stderr).toBe(0);
      expect(planned.stdout).toContain('would have Auth0 send a password reset email to pwe0@example.com');
      expect(outbox.list({ to: 'pwe0@example.com' })).toEqual([]);

      const audit = join(tempDir(), 'audit.jsonl');
      const sent = await users(sandbox, ['reset-password', id!, '--email', '--audit', audit]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).not.toContain('https://');
      expect(outbox.list({ to: 'pwe0@example.com' })).toMatchObject([{ template: 'reset_email', user_id: id }]);
      expect(sandbox.store.tickets.ticketsFor(id!)).toHaveLength(1);
      expect(readFileSync(audit, 'utf8')).not.toContain('pwe0@example.com');
      expect(auditLines(audit).at(-1)).toMatchObject({
        command: 'reset-password',
        details: { connection: DB, emailed: true },
      });

      const mixed = await users(sandbox, ['reset-password', id!, '--email', '--ttl', '3600']);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toContain('--ttl and --result-url apply to a printed ticket, not to --email');
    },
    T,
  );
});
