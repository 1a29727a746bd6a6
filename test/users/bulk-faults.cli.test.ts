import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cliEnv,
  csv,
  expectEachBlockedOnce,
  journalLines,
  removeTemporary,
  spawnUsersProcess,
  startUsers,
  startUsersSandbox,
  users,
  type UsersSandbox,
} from './helpers';

/**
 * Bulk runs under faults that take real time (Retry-After, a lost answer, signals to a process):
 * a file of their own, so that the cli lane runs them beside bulk.cli.test.ts.
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
describe.sequential('bulk under faults', () => {
  test(
    'stalled on a 429: the progress line says so, and one Ctrl-C stops within 2 s; the resume finishes, nothing repeated',
    async () => {
      const ids = sandbox.seedDb('stall', 10);
      const input = csv(ids);
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*stall*', status: 429, retryAfter: 30, times: 1 }]);
      try {
        const run = startUsers(['block', '--from', input, '--concurrency', '2', '--rate', '100'], cliEnv(sandbox));
        await expect
          .poll(() => run.stderr(), { timeout: 15_000, interval: 50 })
          .toMatch(/progress: .*paused by the rate limit \(429\), resuming in \d+s/);
        const interruptedAt = Date.now();
        run.interrupt();
        const stopped = await run.result;
        expect(Date.now() - interruptedAt).toBeLessThan(2500);
        expect(stopped.code).toBe(1);
        expect(stopped.stdout).toContain('interrupted: not every user was attempted.');
      } finally {
        sandbox.faults.set([]);
      }
      const resumed = await users(sandbox, ['block', '--from', input, '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ failed: 0 });
      expectEachBlockedOnce(sandbox, ids);
    },
    T,
  );

  test(
    'a write whose answer was lost (5xx after it was applied) is reported done after a re-read, not failed',
    async () => {
      const [id] = sandbox.seedDb('lost', 1);
      const input = csv([id!]);
      sandbox.faults.set([
        { method: 'PATCH', path: `/api/v2/users/${encodeURIComponent(id!)}`, status: 503, times: 'always' },
      ]);
      try {
        const run = startUsers(['block', '--from', input, '--json'], cliEnv(sandbox));
        // The change lands though the answers say 503, as when a response is lost on the way back.
        await expect
          .poll(() => sandbox.faults.hits().length, { timeout: 15_000, interval: 10 })
          .toBeGreaterThanOrEqual(1);
        sandbox.store.users.update(id!, { blocked: true });
        const result = await run.result;
        expect(result.code, result.stdout).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({ done: 1, failed: 0 });
      } finally {
        sandbox.faults.set([]);
      }
    },
    T,
  );

  test(
    'the token request is retried on 429 and 5xx',
    async () => {
      const [id] = sandbox.seedDb('token', 1);
      sandbox.faults.set([
        { method: 'POST', path: '/oauth/token', status: 429, retryAfter: 0, times: 1 },
        { method: 'POST', path: '/oauth/token', status: 503, times: 1 },
      ]);
      try {
        const result = await users(sandbox, ['show', id!]);
        expect(result.code, result.stderr).toBe(0);
        expect(sandbox.faults.hits().map((hit) => hit.status)).toEqual([429, 503]);
      } finally {
        sandbox.faults.set([]);
      }
    },
    T,
  );

  test(
    "SIGINT sent to the npm script's process reaches the worker it re-runs: it stops gracefully, the journal is consistent",
    async () => {
      const ids = sandbox.seedDb('npmint', 30);
      const input = csv(ids);
      const journal = `${input}.block.journal`;
      sandbox.faults.set([{ method: 'PATCH', path: '/api/v2/users/*npmint*', latencyMs: 150, times: 'always' }]);
      try {
        // Without NODE_EXTRA_CA_CERTS the entry re-runs itself in a child that trusts the sandbox's CA.
        const { child, result } = spawnUsersProcess(
          ['block', '--from', input, '--concurrency', '2', '--rate', '100'],
          cliEnv(sandbox, {
            AUTH0_CLIENT_ID: '',
            AUTH0_CLIENT_SECRET: '',
            NODE_EXTRA_CA_CERTS: '',
            SANDBOX_STATE_DIR: sandbox.stateDir,
          }),
        );
        await expect
          .poll(() => journalLines(journal).filter((l) => l.s === 'done').length, { timeout: 45_000, interval: 20 })
          .toBeGreaterThanOrEqual(2);
        child.kill('SIGINT');
        const stopped = await result;
        expect(stopped.code).toBe(1);
        expect(stopped.stderr).toContain('stopping: waiting for the users in flight');
        expect(stopped.stdout).toContain('interrupted: not every user was attempted.');
        const lines = journalLines(journal);
        expect(lines.filter((l) => l.s === 'start').length).toBe(lines.filter((l) => l.s === 'done').length);
      } finally {
        sandbox.faults.set([]);
      }
    },
    T,
  );
});
