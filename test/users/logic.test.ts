import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { BulkRun } from '../../tooling/users/bulk';
import { findCommand, NO_OPTIONS, type Command, type RunContext } from '../../tooling/users/commands';
import { parseCsv } from '../../tooling/users/csv';
import { UsageError } from '../../tooling/users/errors';
import { readBulkInput, type BulkItem } from '../../tooling/users/input';
import { Journal, type JournalHeader } from '../../tooling/users/journal';
import { editArrayKey } from '../../tooling/users/metadata';
import { Progress } from '../../tooling/users/progress';
import { readRateHeaders, retryDelay } from '../../tooling/rate-headers';
import { RateGate } from '../../tooling/users/rate';
import { parseSandboxPort, PortError } from '../../tooling/sandbox-port';
import { resolveTarget, sandboxCaPath } from '../../tooling/users/target';
import { SdkUsersApi, type UsersApi } from '../../tooling/users/client';
import { removeTemporary, startUsersSandbox, tempDir, type Request, type UsersSandbox } from './helpers';

const ESC = String.fromCharCode(0x1b);

// The real UsersApi (the CLI's) on the local sandbox: the logic runs through the SDK and the
// sandbox's Management API, and the tests interleave writes of their own through its store.
let sandbox: UsersSandbox;
let api: UsersApi;

beforeAll(async () => {
  sandbox = await startUsersSandbox();
  const { client_id: clientId, client_secret: clientSecret } = sandbox.deployClient;
  api = await SdkUsersApi.connect(
    { domain: sandbox.domain, credentials: { clientId, clientSecret } },
    new RateGate({ rate: 1000 }),
  );
});

afterEach(() => {
  sandbox.onServed(undefined);
  sandbox.faults.set([]);
});

afterAll(async () => {
  removeTemporary();
  await sandbox.close();
});

/** The requests the sandbox answered since `mark` (an index into its log). */
const callsSince = (mark: number): Request[] => sandbox.requests.slice(mark);
const callsTo = (userId: string, mark: number): Request[] =>
  callsSince(mark).filter((call) => call.path === `/api/v2/users/${userId}`);

/**
 * The sandbox logs a request once its response is sent; in one process the client can see the
 * response first. A moment later the log holds every request of a run.
 */
const logged = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Holds the next `times` reads of a user for a moment, so that a write done on the log of the
 * request before (onServed) lands before the read, whatever order the event loop picks.
 */
const holdReads = (userId: string, times: number | 'always'): void =>
  sandbox.faults.set([{ method: 'GET', path: `/api/v2/users/${encodeURIComponent(userId)}`, latencyMs: 20, times }]);

const command = (name: string): Command => {
  const found = findCommand(name);
  if (!found) throw new Error(name);
  return found;
};

const silent = { write: () => undefined, isTTY: false };

function context(): Omit<RunContext, 'recheck'> {
  return {
    api,
    tenant: sandbox.domain,
    dryRun: false,
    confirm: undefined,
    bulkConfirmed: false,
    options: NO_OPTIONS,
    audit: undefined,
    clientId: sandbox.deployClient.client_id,
    note: () => undefined,
    settleMs: 0,
    clientExists: async () => true,
  };
}

describe('CSV (RFC 4180)', () => {
  test('quoted fields hold commas, doubled quotes and line breaks; CRLF, BOM and a missing final newline are fine', () => {
    const text = '\uFEFFuser,note\r\n"a@x.com","says ""hi"", twice"\r\nb@x.com,"two\nlines"\nc@x.com,';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['user', 'note'] },
      { line: 2, fields: ['a@x.com', 'says "hi", twice'] },
      { line: 3, fields: ['b@x.com', 'two\nlines'] },
      { line: 5, fields: ['c@x.com', ''] },
    ]);
  });

  test('line numbers count every line break: mixed CRLF and LF, blank lines, breaks inside quotes', () => {
    expect(parseCsv('user\r\n"a\r\nb"\n\nc\r\n').map((record) => record.line)).toEqual([1, 2, 4, 5]);
  });

  test('malformed quoting is reported with its line', () => {
    expect(() => parseCsv('user\n"open')).toThrow('line 2: a quoted field is never closed');
    expect(() => parseCsv('user\n"a"b')).toThrow('line 2: text after a closing quote');
    expect(() => parseCsv('user\na"b')).toThrow('line 2: a quote inside an unquoted field');
  });
});

describe('bulk input', () => {
  const dir = tempDir();
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('CSV: the user column (or user_id / email), argument columns, blank rows skipped, fixed arguments win', () => {
    const path = file('apps.csv', 'email,client_id,ticket\nA@example.com,app1,T-1\n\nauth0|x,app2,T-2\n');
    const input = readBulkInput(path, command('block-app'), {});
    expect(input.items).toEqual([
      { index: 0, line: 2, user: 'A@example.com', args: { client_id: 'app1' } },
      { index: 1, line: 4, user: 'auth0|x', args: { client_id: 'app2' } },
    ]);
    expect(input.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(
      readBulkInput(path, command('block-app'), { client_id: 'other' }).items.map((i) => i.args.client_id),
    ).toEqual(['other', 'other']);
  });

  test('JSON: an array of users, or of objects', () => {
    expect(
      readBulkInput(file('a.json', '["auth0|1", "b@example.com"]'), command('block'), {}).items.map((i) => i.user),
    ).toEqual(['auth0|1', 'b@example.com']);
    const objects = readBulkInput(
      file('b.json', '[{"user": "auth0|1", "entitlement": "premium"}]'),
      command('entitle'),
      {},
    );
    expect(objects.items[0]).toMatchObject({ user: 'auth0|1', args: { entitlement: 'premium' } });
  });

  test('every bad row is reported with its line before anything runs', () => {
    const path = file('bad.csv', 'user,client_id\nnot-a-user,app1\nauth0|ok,\nauth0|ok,has space\n');
    const error = (() => {
      try {
        readBulkInput(path, command('block-app'), {});
      } catch (caught) {
        return caught as UsageError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('3 invalid row(s)');
    expect(error.message).toContain('bad.csv line 2: "not-a-user" is neither a user id nor an email');
    expect(error.message).toContain('bad.csv line 3: no client_id');
    expect(error.message).toContain('bad.csv line 4: "has space" is not a client id');
  });

  test('a CSV without a user header, an empty list, a non-array JSON are usage errors', () => {
    expect(() => readBulkInput(file('h.csv', 'auth0|1\nauth0|2\n'), command('block'), {})).toThrow(
      'h.csv line 1: the header (auth0|1) has no user column',
    );
    expect(() => readBulkInput(file('q.csv', 'user\nauth0|1\n\n"auth0|2\n'), command('block'), {})).toThrow(
      'q.csv line 4: a quoted field is never closed',
    );
    expect(() => readBulkInput(file('e.csv', 'user\n'), command('block'), {})).toThrow('lists no users');
    expect(() => readBulkInput(file('o.json', '{"user": "auth0|1"}'), command('block'), {})).toThrow(
      'is not a JSON array',
    );
    expect(() => readBulkInput(join(dir, 'missing.csv'), command('block'), {})).toThrow('cannot read');
  });
});

describe('journal', () => {
  const header: JournalHeader = { journal: 1, command: 'block', args: {}, tenant: 't', digest: 'd', items: 3 };
  const usersOf = ['a@x.com', 'b@x.com', 'c@x.com'];

  test('resume: completed items are skipped, items in flight are rechecked, failures run again', () => {
    const path = join(tempDir(), 'j');
    const first = Journal.open(path, header, usersOf);
    first.start(0, 'a@x.com');
    first.finish(0, 'a@x.com', 'done', 'auth0|a');
    first.start(1, 'b@x.com');
    first.start(2, 'c@x.com');
    first.failed(2, 'c@x.com');
    first.close();
    const resumed = Journal.open(path, header, usersOf);
    expect([...resumed.completed]).toEqual([0]);
    expect([...resumed.inDoubt]).toEqual([1]);
    resumed.close();
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
  });

  test('a torn last line (a crash mid-write) is dropped and not glued to the next record', () => {
    const path = join(tempDir(), 'j');
    const first = Journal.open(path, header, usersOf);
    first.start(0, 'a@x.com');
    first.close();
    appendFileSync(path, '{"i":0,"user":"a@x.com","s":"do');
    const resumed = Journal.open(path, header, usersOf);
    expect([...resumed.inDoubt]).toEqual([0]);
    resumed.finish(0, 'a@x.com', 'done', 'auth0|a');
    resumed.close();
    expect([...Journal.open(path, header, usersOf).completed]).toEqual([0]);
  });

  test('a journal of another command, argument, tenant or input is refused', () => {
    const path = join(tempDir(), 'j');
    Journal.open(path, header, usersOf).close();
    expect(() => Journal.open(path, { ...header, command: 'unblock' }, usersOf)).toThrow(
      /written for another run \(its command differs/,
    );
    expect(() => Journal.open(path, { ...header, digest: 'other' }, usersOf)).toThrow(/its digest differs/);
    expect(() => Journal.open(path, { ...header, args: { client_id: 'x' } }, usersOf)).toThrow(/its args differs/);
    writeFileSync(path, 'not json\n');
    expect(() => Journal.open(path, header, usersOf)).toThrow('is not a journal record');
  });
});

describe('rate gate', () => {
  /** A clock that only moves when the gate waits. */
  function virtualClock(): { now: () => number; wait: (ms: number) => Promise<void>; waited: number[] } {
    let time = 0;
    const waited: number[] = [];
    return {
      now: () => time,
      wait: async (ms) => {
        waited.push(ms);
        time += ms;
      },
      waited,
    };
  }

  test('paces requests at the rate, and a 429 pauses everyone for Retry-After and halves the rate', async () => {
    const clock = virtualClock();
    const gate = new RateGate({ rate: 10, now: clock.now, wait: clock.wait });
    for (let i = 0; i < 11; i += 1) await gate.acquire();
    expect(clock.now()).toBe(1000);
    gate.throttled(3000);
    await gate.acquire();
    expect(clock.now()).toBeGreaterThanOrEqual(4000);
    expect(gate.stats()).toMatchObject({ throttled: 1, currentRate: 5 });
    const before = clock.now();
    for (let i = 0; i < 5; i += 1) await gate.acquire();
    expect(clock.now() - before).toBeGreaterThanOrEqual(800);
    for (let i = 0; i < 20; i += 1) gate.succeeded({});
    expect(gate.stats().currentRate).toBe(10);
  });

  test('x-ratelimit-remaining: 0 pauses until x-ratelimit-reset', async () => {
    const clock = virtualClock();
    const gate = new RateGate({ rate: 100, now: clock.now, wait: clock.wait });
    await gate.acquire();
    gate.succeeded({ remaining: 0, resetAt: 5000 });
    await gate.acquire();
    expect(clock.now()).toBe(5000);
  });

  test('headers: Retry-After in seconds or as a date, X-RateLimit-Reset in epoch seconds, else backoff', () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    expect(
      readRateHeaders(headers({ 'retry-after': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' }), 0),
    ).toEqual({ retryAfterMs: 2000, remaining: 0, resetAt: 100_000 });
    expect(readRateHeaders(headers({ 'retry-after': new Date(7000).toUTCString() }), 1000)).toEqual({
      retryAfterMs: 6000,
    });
    expect(retryDelay({ resetAt: 3000 }, 0, 1000)).toBe(2000);
    expect(retryDelay({}, 2, 0)).toBe(4000);
    expect(retryDelay({ retryAfterMs: 600_000 }, 0, 0)).toBe(60_000);
  });
});

describe('metadata array edits', () => {
  const noSettle = { dryRun: false, settleMs: 0 };

  test('write only their own key, and do not write when the intent already holds', async () => {
    const [id = ''] = sandbox.seedDb('own', 1, {
      app_metadata: { blocked_apps: ['a'], terms: { version: '1' }, account_linking: { status: 'linked' } },
    });
    const user = await api.getUser(id);
    // An Action writes the other keys at a login between our read and our write: a PATCH of more
    // than blocked_apps (from what we read) would undo that.
    sandbox.store.users.update(id, { app_metadata: { terms: { version: '2' }, account_linking: null } });
    const { app_metadata: _, updated_at: __, ...rest } = sandbox.store.users.get(id)!;
    const mark = sandbox.requests.length;
    const edit = await editArrayKey(api, user!, { key: 'blocked_apps', op: 'add', value: 'b' }, noSettle);
    expect(edit).toEqual({ changed: true, before: ['a'], after: ['a', 'b'] });
    await logged();
    expect(callsTo(id, mark).filter((call) => call.method === 'PATCH')).toHaveLength(1);
    const written = sandbox.store.users.get(id)!;
    expect(written.app_metadata).toEqual({ blocked_apps: ['a', 'b'], terms: { version: '2' } });
    // Nothing but app_metadata changed (no blocked, no user_metadata...).
    const { app_metadata: ___, updated_at: ____, ...restAfter } = written;
    expect(restAfter).toStrictEqual(rest);
    const again = sandbox.requests.length;
    const unchanged = await editArrayKey(
      api,
      (await api.getUser(id))!,
      { key: 'blocked_apps', op: 'add', value: 'b' },
      noSettle,
    );
    expect(unchanged.changed).toBe(false);
    await logged();
    expect(callsTo(id, again).filter((call) => call.method !== 'GET')).toEqual([]);
  });

  test('a concurrent writer that replaces the array after our write is detected, and our intent applied again on top', async () => {
    const [id = ''] = sandbox.seedDb('race', 1, { app_metadata: { entitlements: ['basic'] } });
    const user = await api.getUser(id);
    const mark = sandbox.requests.length;
    // Another writer read ['basic'] before our write and writes ['basic', 'gold'] right after it:
    // our 'premium' is lost until the verification read notices.
    holdReads(id, 1);
    let raced = false;
    sandbox.onServed((request) => {
      if (raced || request.method !== 'PATCH' || request.path !== `/api/v2/users/${id}`) return;
      raced = true;
      sandbox.store.users.update(id, { app_metadata: { entitlements: ['basic', 'gold'] } });
    });
    const edit = await editArrayKey(api, user!, { key: 'entitlements', op: 'add', value: 'premium' }, noSettle);
    expect(raced).toBe(true);
    expect(sandbox.faults.hits()).toHaveLength(1);
    expect(edit.changed).toBe(true);
    expect(sandbox.store.users.get(id)?.app_metadata.entitlements).toEqual(['basic', 'gold', 'premium']);
    await logged();
    expect(callsTo(id, mark).filter((call) => call.method === 'PATCH')).toHaveLength(2);
  });

  test('a value that is not a list is refused, not repaired; other entries are kept as they are', async () => {
    const [bad = ''] = sandbox.seedDb('notalist', 1, { app_metadata: { blocked_apps: 'app1' } });
    const badUser = await api.getUser(bad);
    await expect(
      editArrayKey(api, badUser!, { key: 'blocked_apps', op: 'remove', value: 'app1' }, noSettle),
    ).rejects.toThrow(`app_metadata.blocked_apps of ${bad} is "app1", not a list`);
    await logged();
    expect(sandbox.writesTo(`/api/v2/users/${bad}`)).toBe(0);
    const [mixed = ''] = sandbox.seedDb('mixed', 1, { app_metadata: { blocked_apps: ['x', 7, 'y', 'x'] } });
    const mixedUser = await api.getUser(mixed);
    await editArrayKey(api, mixedUser!, { key: 'blocked_apps', op: 'remove', value: 'x' }, noSettle);
    expect(sandbox.store.users.get(mixed)?.app_metadata.blocked_apps).toEqual([7, 'y']);
  });

  test('gives up, clearly, when the key keeps being overwritten', async () => {
    const [id = ''] = sandbox.seedDb('overwritten', 1, { app_metadata: { entitlements: [] } });
    // Another writer puts its own list back after every request of ours.
    sandbox.onServed((request) => {
      if (request.path === `/api/v2/users/${id}`)
        sandbox.store.users.update(id, { app_metadata: { entitlements: ['theirs'] } });
    });
    const user = await api.getUser(id);
    holdReads(id, 'always');
    await expect(editArrayKey(api, user!, { key: 'entitlements', op: 'add', value: 'mine' }, noSettle)).rejects.toThrow(
      'kept being overwritten by another writer',
    );
    expect(sandbox.faults.hits()).toHaveLength(5);
  });
});

describe('bulk runner', () => {
  const items = (users: string[]): BulkItem[] =>
    users.map((user, index) => ({ index, line: index + 2, user, args: {} }));

  test('never runs two items of the same user at once, and reports failures by line', async () => {
    sandbox.faults.set([{ path: '/api/v2/users/**', latencyMs: 5, times: 'always' }]);
    const [a = '', b = ''] = sandbox.seedDb('overlap', 2, { app_metadata: { entitlements: [] } });
    let active = 0;
    let overlap = false;
    const probe: Command = {
      ...command('entitle'),
      run: async (ctx, item) => {
        active += item.user === a ? 1 : 0;
        if (active > 1) overlap = true;
        try {
          return await command('entitle').run(ctx, item);
        } finally {
          active -= item.user === a ? 1 : 0;
        }
      },
    };
    const list = [a, a, b, a, 'auth0|missing'].map((user, index) => ({
      index,
      line: index + 2,
      user,
      args: { entitlement: `e${index}` },
    }));
    const summary = await new BulkRun(probe, context(), list, {
      concurrency: 4,
      progress: new Progress(silent, list.length),
    }).run();
    expect(sandbox.faults.hits().length).toBeGreaterThan(0);
    expect(overlap).toBe(false);
    expect(sandbox.store.users.get(a)?.app_metadata.entitlements).toEqual(['e0', 'e1', 'e3']);
    expect(summary.counts.done).toBe(4);
    expect(summary.failures).toEqual([
      {
        line: 6,
        user: 'auth0|missing',
        kind: 'unknown_user',
        message:
          'no user auth0|missing — check the id (`users show <email>` finds it); a linked secondary only exists inside its primary',
      },
    ]);
  });

  test('stop() lets items in flight finish and record themselves; a resume does the rest, each user once', async () => {
    sandbox.faults.set([{ path: '/api/v2/users/**', latencyMs: 2, times: 'always' }]);
    const ids = sandbox.seedDb('stop', 40);
    const mark = sandbox.requests.length;
    const path = join(tempDir(), 'journal');
    const header: JournalHeader = {
      journal: 1,
      command: 'block',
      args: {},
      tenant: 'sandbox',
      digest: 'd',
      items: ids.length,
    };
    const firstJournal = Journal.open(path, header, ids);
    const first = new BulkRun(command('block'), context(), items(ids), {
      concurrency: 4,
      journal: firstJournal,
      progress: new Progress(silent, ids.length),
    });
    let served = 0;
    sandbox.onServed((request) => {
      if (!request.path.startsWith('/api/v2/users/auth0|stop')) return;
      served += 1;
      if (served === 30) first.stop();
    });
    const partial = await first.run();
    firstJournal.close();
    expect(partial.interrupted).toBe(true);
    expect(partial.counts.done).toBeLessThan(ids.length);
    sandbox.onServed(undefined);
    const journal = Journal.open(path, header, ids);
    expect(journal.inDoubt.size).toBe(0);
    const summary = await new BulkRun(command('block'), context(), items(ids), {
      concurrency: 4,
      journal,
      progress: new Progress(silent, ids.length),
    }).run();
    expect(summary.skipped + summary.counts.done).toBe(ids.length);
    expect(summary.interrupted).toBe(false);
    await logged();
    const patches = callsSince(mark)
      .filter((call) => call.method === 'PATCH')
      .map((call) => call.path);
    expect(patches.sort()).toEqual(ids.map((id) => `/api/v2/users/${id}`).sort());
    expect(ids.filter((id) => sandbox.store.users.get(id)?.blocked !== true)).toEqual([]);
  });

  test('an item in flight at a crash is rechecked: state is read first, and a change already made is not made again', async () => {
    const [a = ''] = sandbox.seedDb('crasha', 1);
    sandbox.store.users.update(a, { blocked: true });
    const [b = ''] = sandbox.seedDb('crashb', 1);
    const ids = [a, b];
    const mark = sandbox.requests.length;
    const path = join(tempDir(), 'journal');
    const header: JournalHeader = { journal: 1, command: 'block', args: {}, tenant: 'sandbox', digest: 'd', items: 2 };
    const crashed = Journal.open(path, header, ids);
    crashed.start(0, a);
    crashed.start(1, b);
    crashed.close();
    const summary = await new BulkRun(command('block'), context(), items(ids), {
      concurrency: 2,
      journal: Journal.open(path, header, ids),
      progress: new Progress(silent, 2),
    }).run();
    expect(summary).toMatchObject({ rechecked: 2, counts: { done: 1, unchanged: 1 } });
    await logged();
    expect([...callsTo(a, mark), ...callsTo(b, mark)].filter((call) => call.method !== 'GET')).toEqual([
      { method: 'PATCH', path: `/api/v2/users/${b}`, status: 200 },
    ]);
    expect(sandbox.store.users.get(b)?.blocked).toBe(true);
  });

  test('a verification email in flight at a crash is not sent again: it is reported in doubt', async () => {
    const ids = sandbox.seedDb('verify', 1, { email_verified: false });
    const mark = sandbox.requests.length;
    const path = join(tempDir(), 'journal');
    const header: JournalHeader = {
      journal: 1,
      command: 'verify-email',
      args: {},
      tenant: 'sandbox',
      digest: 'd',
      items: 1,
    };
    const crashed = Journal.open(path, header, ids);
    crashed.start(0, ids[0]!);
    crashed.close();
    const summary = await new BulkRun(command('verify-email'), context(), items(ids), {
      concurrency: 1,
      journal: Journal.open(path, header, ids),
      progress: new Progress(silent, 1),
    }).run();
    expect(summary.failures[0]).toMatchObject({ kind: 'in_doubt' });
    await logged();
    expect(callsSince(mark).filter((call) => call.method === 'POST')).toEqual([]);
  });
});

describe('targeting', () => {
  const base = { AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'secret' };

  test('the domain comes from the environment file; credentials from the environment, secrets never in the description', () => {
    const target = resolveTarget('prod', base);
    expect(target).toMatchObject({
      env: 'prod',
      domain: 'acme-prod.eu.auth0.com',
      domainSource: 'tenant/environments/prod.yaml',
    });
    expect(target.credentialSource).not.toContain('secret');
    expect(resolveTarget('prod', { AUTH0_ACCESS_TOKEN: 'tok' }).credentials).toEqual({ accessToken: 'tok' });
  });

  test('a mismatched AUTH0_DOMAIN is refused, except a loopback override of the sandbox', () => {
    expect(() => resolveTarget('prod', { ...base, AUTH0_DOMAIN: 'acme-dev.eu.auth0.com' })).toThrow(
      'AUTH0_DOMAIN is acme-dev.eu.auth0.com but --env prod targets acme-prod.eu.auth0.com',
    );
    expect(() => resolveTarget('sandbox', { ...base, AUTH0_DOMAIN: 'evil.example.com' })).toThrow(UsageError);
    expect(resolveTarget('sandbox', { ...base, AUTH0_DOMAIN: '127.0.0.1:9999' }).domain).toBe('127.0.0.1:9999');
    expect(resolveTarget('sandbox', { ...base, SANDBOX_PORT: '9443' })).toMatchObject({
      domain: '127.0.0.1:9443',
      domainSource: 'SANDBOX_PORT, overriding tenant/environments/sandbox.yaml',
    });
    expect(() => resolveTarget('sandbox', { ...base, SANDBOX_PORT: 'x' })).toThrow(
      'SANDBOX_PORT must be a port number',
    );
  });

  test('SANDBOX_PORT: decimal digits for a port, unset or empty for the default, anything else refused', () => {
    expect(parseSandboxPort(undefined)).toBeUndefined();
    expect(parseSandboxPort(' ')).toBeUndefined();
    expect(parseSandboxPort(' 9443 ')).toBe(9443);
    for (const bad of ['0', '65536', '0x20', '1e3', '80.5', '-1', '443 x'])
      expect(() => parseSandboxPort(bad), bad).toThrow(PortError);
    expect(() => resolveTarget('sandbox', { ...base, SANDBOX_PORT: '0x20' })).toThrow(UsageError);
  });

  test('unknown environments and half-set credentials are usage errors; the sandbox falls back to its bootstrap client', () => {
    expect(() => resolveTarget('nope', base)).toThrow('--env nope: no environment named "nope"');
    expect(() => resolveTarget('prod', { AUTH0_CLIENT_ID: 'cid' })).toThrow('only AUTH0_CLIENT_ID is set');
    const stateDir = tempDir();
    expect(() => resolveTarget('sandbox', { SANDBOX_STATE_DIR: stateDir })).toThrow('no Management API credentials');
    writeFileSync(join(stateDir, 'deploy-client.json'), JSON.stringify({ client_id: 'boot', client_secret: 's3cret' }));
    writeFileSync(join(stateDir, 'ca.pem'), 'pem');
    const target = resolveTarget('sandbox', { SANDBOX_STATE_DIR: stateDir });
    expect(target.credentials).toEqual({ clientId: 'boot', clientSecret: 's3cret' });
    expect(sandboxCaPath({ SANDBOX_STATE_DIR: stateDir })).toBe(join(stateDir, 'ca.pem'));
    expect(target.credentialSource).not.toContain('s3cret');
  });
});

describe('progress', () => {
  function sink(isTTY: boolean): { write: (text: string) => void; isTTY: boolean; text: () => string } {
    let out = '';
    return {
      write: (text) => {
        out += text;
      },
      isTTY,
      text: () => out,
    };
  }

  test('a redrawn bar on a terminal, plain periodic lines otherwise: done, rate, time left, failures', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const tty = sink(true);
      const bar = new Progress(tty, 4);
      bar.start();
      vi.advanceTimersByTime(500);
      bar.tick(false);
      vi.advanceTimersByTime(500);
      bar.tick(true);
      bar.end();
      expect(tty.text()).toContain('[###############---------------] 2/4 (2.0/s, 1s left), 1 failed');
      expect(tty.text()).toContain('\x1b[');
      // No terminal mode is changed, and the cursor is not saved and restored around the bar (the final line would overwrite what was printed meanwhile).
      expect(tty.text()).not.toMatch(new RegExp(`${ESC}[78]|${ESC}\\[\\?`));
      expect(tty.text().endsWith('\n')).toBe(true);

      const log = sink(false);
      const lines = new Progress(log, 100);
      lines.start();
      for (let i = 0; i < 10; i += 1) {
        lines.tick(false);
        vi.advanceTimersByTime(1000);
      }
      lines.end();
      expect(log.text().split('\n').filter(Boolean)).toEqual([
        'progress: 0/100 (0.0/s)',
        'progress: 5/100 (1.0/s, 1m35s left)',
        'progress: 10/100 (1.0/s, 1m30s left)',
        'progress: 10/100 (1.0/s, 1m30s left)',
      ]);
      // No control sequences in a log.
      expect(log.text()).not.toMatch(new RegExp(`[${ESC}\r]`));
    } finally {
      vi.useRealTimers();
    }
  });
});
