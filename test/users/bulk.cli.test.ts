import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cliEnv,
  csv,
  expectEachBlockedOnce,
  journalLines,
  removeTemporary,
  startUsers,
  startUsersSandbox,
  tempDir,
  users,
  type UsersSandbox,
} from './helpers';

/**
 * Bulk runs through runCli against the sandbox: a 429 storm, interruptions (Ctrl-C and a crash)
 * and resumes, bad input. "Nothing repeated, nothing skipped" is checked on the sandbox's own request log:
 * exactly one successful write per user.
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

// One test at a time: fault rules are global to the sandbox.
describe.sequential('bulk', () => {
  test(
    'a 429 storm in the middle of a run: the run waits it out and finishes, nothing repeated, nothing skipped',
    async () => {
      const ids = sandbox.seedDb('storm', 120);
      const input = csv(ids);
      const run = startUsers(
        ['block', '--from', input, '--rate', '40', '--concurrency', '8', '--json'],
        cliEnv(sandbox),
      );
      await expect
        .poll(() => ids.filter((id) => sandbox.store.users.get(id)?.blocked).length, { timeout: 30_000, interval: 10 })
        .toBeGreaterThanOrEqual(20);
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*', status: 429, retryAfter: 1, times: 'always' }]);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      sandbox.faults.set([]);
      const result = await run.result;
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ command: 'block', total: 120, done: 120, failed: 0, interrupted: false });
      expect(summary.throttled).toBeGreaterThan(0);
      const throttled = sandbox.requests.filter(
        (r) => r.method === 'PATCH' && r.status === 429 && r.path.includes('storm'),
      ).length;
      expect(throttled).toBe(summary.throttled);
      expectEachBlockedOnce(sandbox, ids);
      expect(result.stderr).toMatch(/progress: 120\/120/);
    },
    T,
  );

  test(
    'Ctrl-C lets the users in flight finish; the same command resumes where it stopped',
    async () => {
      const ids = sandbox.seedDb('sigint', 40);
      const input = csv(ids);
      const journal = `${input}.block.journal`;
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*sigint*', latencyMs: 60, times: 'always' }]);
      try {
        const first = startUsers(['block', '--from', input, '--concurrency', '4', '--rate', '100'], cliEnv(sandbox));
        await expect
          .poll(() => journalLines(journal).filter((l) => l.s === 'done').length, { timeout: 30_000, interval: 10 })
          .toBeGreaterThanOrEqual(8);
        first.interrupt();
        const stopped = await first.result;
        expect(stopped.code).toBe(1);
        expect(stopped.stderr).toContain('stopping: waiting for the users in flight');
        expect(stopped.stdout).toContain('interrupted: not every user was attempted.');
        const lines = journalLines(journal);
        const done = lines.filter((l) => l.s === 'done').length;
        expect(done).toBeLessThan(40);
        // Everything started was finished and recorded: nothing in doubt after a graceful stop.
        expect(lines.filter((l) => l.s === 'start').length).toBe(done);
        const second = await users(sandbox, ['block', '--from', input, '--concurrency', '4', '--rate', '100']);
        expect(second.code, second.stderr).toBe(0);
        expect(second.stderr).toContain(`resuming ${journal}: ${done} of 40 already done`);
        expect(second.stdout).toContain(
          `block: 40 users: ${40 - done} done, 0 unchanged, 0 failed, ${done} skipped (done in an earlier run)`,
        );
      } finally {
        sandbox.faults.set([]);
      }
      expectEachBlockedOnce(sandbox, ids);
    },
    T,
  );

  test(
    'a crash mid-run (kill -9): users that were in flight are rechecked on resume, not written twice',
    async () => {
      const ids = sandbox.seedDb('sigkill', 40);
      const input = csv(ids);
      const journal = `${input}.block.journal`;
      // The journal as a crash leaves it: its lines are flushed one by one, so what is on disk at any
      // moment is what a kill -9 at that moment would leave.
      const crashed = `${input}.crashed.journal`;
      const inFlight = (lines: { i?: number; s?: string }[]): number => {
        const done = new Set(lines.filter((l) => l.s === 'done').map((l) => l.i));
        return new Set(lines.filter((l) => l.s === 'start' && !done.has(l.i)).map((l) => l.i)).size;
      };
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*sigkill*', latencyMs: 60, times: 'always' }]);
      try {
        const first = startUsers(['block', '--from', input, '--concurrency', '6', '--rate', '100'], cliEnv(sandbox));
        await expect
          .poll(
            () => {
              const lines = journalLines(journal);
              if (lines.filter((l) => l.s === 'done').length < 8 || inFlight(lines) === 0) return false;
              copyFileSync(journal, crashed);
              return true;
            },
            { timeout: 30_000, interval: 5 },
          )
          .toBe(true);
        // The requests the crashed run had sent land, as they would on a real tenant.
        first.interrupt();
        await first.result;
        const lines = journalLines(crashed);
        const done = lines.filter((l) => l.s === 'done').length;
        expect(inFlight(lines)).toBeGreaterThan(0);
        const second = await users(sandbox, [
          'block',
          '--from',
          input,
          '--journal',
          crashed,
          '--concurrency',
          '6',
          '--rate',
          '100',
          '--json',
        ]);
        expect(second.code, second.stderr).toBe(0);
        expect(JSON.parse(second.stdout)).toMatchObject({ skipped: done, rechecked: inFlight(lines), failed: 0 });
      } finally {
        sandbox.faults.set([]);
      }
      expectEachBlockedOnce(sandbox, ids);
    },
    T,
  );

  test(
    'failures are summarised by line and retried on resume; other keys of app_metadata are untouched',
    async () => {
      const app = sandbox.createApp('Shop');
      const ids = sandbox.seedDb('mixed', 4, { app_metadata: { terms: { version: '1' } } });
      sandbox.googleUser('mixed0@example.com', 'g-mixed');
      const input = join(tempDir(), 'list.json');
      writeFileSync(
        input,
        JSON.stringify([
          { user: ids[0], client_id: app },
          { user: 'mixed0@example.com', client_id: app },
          { user: 'auth0|ghost', client_id: app },
          { user: 'mixed1@example.com', client_id: app },
          ids[2],
          ids[3],
        ]),
      );
      const first = await users(sandbox, ['block-app', '--from', input, app]);
      expect(first.code).toBe(1);
      expect(first.stdout).toContain('block-app: 6 users: 4 done, 0 unchanged, 2 failed');
      expect(first.stdout).toContain(
        'line 2: mixed0@example.com: ambiguous_email: 2 users have the email mixed0@example.com',
      );
      expect(first.stdout).toContain('line 3: auth0|ghost: unknown_user: no user auth0|ghost');
      expect(first.stdout).toContain('(run the same command again to resume: completed users are skipped)');
      for (const id of ids)
        expect(sandbox.store.users.get(id)?.app_metadata).toEqual({ terms: { version: '1' }, blocked_apps: [app] });
      const again = await users(sandbox, ['block-app', '--from', input, app]);
      expect(again.stdout).toContain(
        'block-app: 6 users: 0 done, 0 unchanged, 2 failed, 4 skipped (done in an earlier run)',
      );
      for (const id of ids) expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(1);
    },
    T,
  );

  test(
    'a dry run prints the plan and writes nothing; bad rows stop the run before any request; a foreign journal is refused',
    async () => {
      const ids = sandbox.seedDb('plan', 3);
      const input = csv(ids);
      const dry = await users(sandbox, ['block', '--from', input, '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`line 2: would set blocked=true on ${ids[0]}`);
      expect(dry.stdout).toContain('block: 3 users: 0 done, 0 unchanged, 3 planned (dry run), 0 failed');
      expect(existsSync(`${input}.block.journal`)).toBe(false);
      for (const id of ids) expect(sandbox.writesTo(`/api/v2/users/${id}`)).toBe(0);

      const bad = join(tempDir(), 'bad.csv');
      writeFileSync(bad, `user\n${ids[0]}\nnot a user\n"unclosed\n`);
      const before = sandbox.requests.length;
      const invalid = await users(sandbox, ['block', '--from', bad]);
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('quoted field is never closed');
      expect(sandbox.requests.slice(before).filter((r) => r.path.startsWith('/api/v2/users'))).toEqual([]);

      const journal = join(tempDir(), 'shared.journal');
      expect((await users(sandbox, ['unblock', '--from', input, '--journal', journal])).code).toBe(0);
      const foreign = await users(sandbox, ['block', '--from', input, '--journal', journal]);
      expect(foreign.code).toBe(2);
      expect(foreign.stderr).toContain('was written for another run (its command differs: "unblock")');
    },
    T,
  );

  test(
    'a second run on a journal in use is refused; a lock left by a dead process is taken over',
    async () => {
      const ids = sandbox.seedDb('lock', 12);
      const input = csv(ids);
      const journal = `${input}.block.journal`;
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*lock*', latencyMs: 100, times: 'always' }]);
      try {
        const first = startUsers(['block', '--from', input, '--concurrency', '2', '--rate', '100'], cliEnv(sandbox));
        await expect
          .poll(() => journalLines(journal).filter((l) => l.s === 'done').length, { timeout: 30_000, interval: 10 })
          .toBeGreaterThanOrEqual(1);
        const second = await users(sandbox, ['block', '--from', input]);
        expect(second.code).toBe(2);
        expect(second.stderr).toContain(`${journal} is in use by another run (process ${process.pid})`);
        expect((await first.result).code).toBe(0);
      } finally {
        sandbox.faults.set([]);
      }
      expect(existsSync(`${journal}.lock`)).toBe(false);
      // A crashed run's lock (its process is gone) does not block the resume.
      writeFileSync(`${journal}.lock`, '999999999');
      const resumed = await users(sandbox, ['block', '--from', input]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expectEachBlockedOnce(sandbox, ids);
    },
    T,
  );

  test(
    '--query selects the users of a bulk run; more than 1,000 matches are refused',
    async () => {
      const ids = sandbox.seedDb('query', 6, { app_metadata: { plan: 'trial-q' } });
      const journal = join(tempDir(), 'trial.journal');
      const query = 'app_metadata.plan:"trial-q"';
      const noJournal = await users(sandbox, ['block', '--query', query]);
      expect(noJournal.code).toBe(2);
      expect(noJournal.stderr).toContain('--query needs --journal <file>');
      const run = await users(sandbox, ['block', '--query', query, '--journal', journal, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('the query selects: 6 users');
      expect(JSON.parse(run.stdout)).toMatchObject({ total: 6, done: 6, failed: 0 });
      expectEachBlockedOnce(sandbox, ids);
      expect(existsSync(`${journal}.selection`)).toBe(false);
      sandbox.seedDb('many', 1001, { app_metadata: { plan: 'big-q' } });
      const tooMany = await users(sandbox, [
        'block',
        '--query',
        'app_metadata.plan:"big-q"',
        '--journal',
        join(tempDir(), 'big.journal'),
      ]);
      expect(tooMany.code).toBe(2);
      expect(tooMany.stderr).toContain(
        "the query matches 1001 users; Auth0's user search returns at most the first 1000",
      );
      expect(sandbox.requests.filter((r) => r.method === 'PATCH' && r.path.includes('many'))).toEqual([]);
    },
    T,
  );
});
