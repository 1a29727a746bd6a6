import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../tooling/users/audit';
import { cliEnv, removeTemporary, startUsers, startUsersSandbox, tempDir, users, type UsersSandbox } from './helpers';

// A bulk erasure interrupted and resumed: a file of its own (it waits out injected 503s), so the
// unit lane runs it beside gdpr.test.ts.

let sandbox: UsersSandbox;

beforeAll(async () => {
  sandbox = await startUsersSandbox();
});

afterAll(async () => {
  await sandbox?.close();
  removeTemporary();
});

const user = (id: string) => sandbox.store.users.get(id);

describe('bulk erasure', () => {
  test('a bulk erasure: --confirm <count>, a journal of hashes only, Ctrl-C and a resume: nothing left, nothing repeated', async () => {
    const ids = sandbox.seedDb('erb', 30);
    const dir = tempDir();
    const input = join(dir, 'erase.csv');
    writeFileSync(input, `email\n${ids.map((_, n) => `erb${n}@example.com`).join('\n')}\n`);
    const audit = join(dir, 'audit.jsonl');
    const unconfirmed = await users(sandbox, ['delete', '--from', input, '--audit', audit]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(`erasing the 30 users of ${input} needs --confirm 30`);
    sandbox.faults.set([{ method: 'DELETE', path: '/api/v2/users/auth0*', status: 503, times: 6 }]);
    const first = startUsers(
      ['delete', '--from', input, '--confirm', '30', '--audit', audit, '--concurrency', '4'],
      cliEnv(sandbox),
    );
    await expect
      .poll(() => ids.filter((id) => !user(id)).length, { timeout: 30_000, interval: 10 })
      .toBeGreaterThanOrEqual(8);
    first.interrupt();
    await first.result;
    sandbox.faults.set([]);
    const second = await users(sandbox, ['delete', '--from', input, '--confirm', '30', '--audit', audit, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(ids.filter((id) => user(id))).toEqual([]);
    expect(ids.map((id) => sandbox.writesTo(`/api/v2/users/${id}`)).filter((n) => n !== 1)).toEqual([]);
    const journal = readFileSync(`${input}.delete.journal`, 'utf8');
    expect(journal).not.toMatch(/erb|example\.com|auth0\|/);
    expect(journal).toContain(sha256('erb0@example.com'));
  }, 90_000);
});
