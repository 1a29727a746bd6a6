import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../local/sandbox';
import { table } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const DB = 'Username-Password-Authentication';
const GOOGLE = 'google-oauth2';

/**
 * `npm run users -- delete --from <1000 users>` against the sandbox with faults: each user a
 * database primary with a Google account linked under it (an erasure is revoke ×3, unlink, two
 * deletes), 503s on deletes and 429s injected, and the run killed (SIGKILL) part-way and resumed.
 * Counts what the sandbox holds afterwards (users left behind: primaries, linked accounts, unlinked
 * standalone ones) and, from its request log, accounts deleted more than once (repeats).
 */
export async function benchErasure(options: { users?: number } = {}): Promise<void> {
  const count = options.users ?? 1000;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-erasure-'));
  const deletes = new Map<string, number>();
  const sandbox = await startSandbox({
    stateDir,
    port: 0,
    log: ({ method, path, status }) => {
      if (method === 'DELETE' && status >= 200 && status < 300 && /^\/api\/v2\/users\/[^/]+$/.test(path)) {
        const id = decodeURIComponent(path.slice('/api/v2/users/'.length));
        deletes.set(id, (deletes.get(id) ?? 0) + 1);
      }
    },
  });
  try {
    sandbox.store.connections.create({ name: DB, strategy: 'auth0', options: {} });
    sandbox.store.connections.create({ name: GOOGLE, strategy: 'google-oauth2', options: {} });
    sandbox.store.users.seed(
      Array.from({ length: count }, (_, n) => ({
        connection: DB,
        email: `er${n}@example.com`,
        email_verified: true,
        identityId: `er${n}`,
      })),
    );
    for (let n = 0; n < count; n += 1) {
      sandbox.store.users.findOrCreateFromIdentity({
        connection: GOOGLE,
        identityId: `g-er${n}`,
        email: `er${n}@example.com`,
        email_verified: true,
      });
      sandbox.store.users.link(`auth0|er${n}`, { provider: GOOGLE, identityId: `g-er${n}` });
    }
    const input = join(stateDir, 'erase.csv');
    writeFileSync(input, `user\n${Array.from({ length: count }, (_, n) => `auth0|er${n}`).join('\n')}\n`);
    const audit = join(stateDir, 'audit.jsonl');
    sandbox.faults.set([
      { method: 'DELETE', path: `/api/v2/users/${GOOGLE}*`, status: 503, times: 25 },
      { method: 'DELETE', path: '/api/v2/users/auth0*', status: 429, retryAfter: 1, times: 10 },
      { method: 'DELETE', path: '/api/v2/users/*/sessions', status: 503, times: 10 },
    ]);
    const started = Date.now();
    const first = runErasure(sandbox, stateDir, input, audit, count);
    // Killed once a third of the users are gone: no summary, erasures and journal lines cut mid-way.
    while (userCount(sandbox) > count * (2 / 3) && first.child.exitCode === null)
      await new Promise((done) => setTimeout(done, 20));
    first.child.kill('SIGKILL');
    await first.done;
    const afterKill = count - userCount(sandbox);
    const resumed = await runErasure(sandbox, stateDir, input, audit, count).done;
    const seconds = (Date.now() - started) / 1000;
    const leftBehind =
      Array.from({ length: count }, (_, n) => [`auth0|er${n}`, `${GOOGLE}|g-er${n}`])
        .flat()
        .filter((id) => sandbox.store.users.get(id) !== undefined).length +
      Array.from({ length: count }, (_, n) => sandbox.store.users.findByEmail(`er${n}@example.com`).length).reduce(
        (a, b) => a + b,
        0,
      );
    const repeats = [...deletes.values()].filter((times) => times > 1).length;
    const journal = readFileSync(`${input}.delete.journal`, 'utf8');
    console.log(
      `\n## Erasure of ${count} users (each with a linked Google account) with faults: 503s and 429s injected, the run killed (SIGKILL) and resumed\n`,
    );
    console.log(
      table([
        {
          users: String(count),
          'users erased before the kill': String(afterKill),
          'resumed run: done / unchanged / failed': `${resumed.done} / ${resumed.unchanged} / ${resumed.failed}`,
          'left behind': String(leftBehind),
          'deleted twice': String(repeats),
          'emails in the journal': String((journal.match(/@example\.com/g) ?? []).length),
          'erasure states left': String(existsSync(`${audit}.erasures`) ? readdirSync(`${audit}.erasures`).length : 0),
          seconds: seconds.toFixed(1),
        },
      ]),
    );
    if (leftBehind > 0 || repeats > 0 || resumed.failed > 0)
      throw new Error(`erasure bench: ${leftBehind} left behind, ${repeats} deleted twice, ${resumed.failed} failed`);
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Users the sandbox holds as standalone users (linked accounts live inside their primary). */
function userCount(sandbox: Sandbox): number {
  return sandbox.store.users.search({ offset: 0, limit: 1 }).total;
}

interface ErasureRun {
  child: ChildProcess;
  done: Promise<{ done: number; unchanged: number; failed: number }>;
}

function runErasure(sandbox: Sandbox, stateDir: string, input: string, audit: string, count: number): ErasureRun {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'scripts', 'users.ts'),
      'delete',
      '--from',
      input,
      '--confirm',
      String(count),
      '--audit',
      audit,
      '--rate',
      '500',
      '--concurrency',
      '8',
      '--json',
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: sandbox.caPath,
        SANDBOX_STATE_DIR: stateDir,
        AUTH0_DOMAIN: sandbox.domain,
        AUTH0_CLIENT_ID: sandbox.deployClient.client_id,
        AUTH0_CLIENT_SECRET: sandbox.deployClient.client_secret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ done: number; unchanged: number; failed: number }>((settle, fail) => {
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') return settle({ done: 0, unchanged: 0, failed: 0 });
      try {
        settle(JSON.parse(stdout) as { done: number; unchanged: number; failed: number });
      } catch {
        fail(new Error(`erasure run ended ${code}: ${stderr.slice(-2000)}`));
      }
    });
  });
  return { child, done };
}

if (require.main === module) {
  benchErasure().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
