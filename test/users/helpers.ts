import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { expect } from 'vitest';
import { runCli } from '../../tooling/users/cli';
import { startSandbox, type Sandbox, type SandboxOptions, type SeedUser } from '../../local/sandbox';
import { OidcStore } from '../../local/sandbox/oidc/store';
import { stateDirWithKeys } from '../sandbox/helpers';

const ROOT = resolve(__dirname, '..', '..');
const ENTRY = join(ROOT, 'scripts', 'users.ts');

export const DB = 'Username-Password-Authentication';
export const GOOGLE = 'google-oauth2';

/** One line of the sandbox's response log. */
export interface Request {
  method: string;
  /** Decoded path: `/api/v2/users/auth0|abc`. */
  path: string;
  status: number;
}

export interface UsersSandbox extends Sandbox {
  requests: Request[];
  /**
   * Calls `listener` with each request right after the sandbox answered it, before the client's
   * next request reaches it: a concurrent writer at a chosen moment. `undefined` removes it.
   */
  onServed(listener: ((request: Request) => void) | undefined): void;
  /** Successful writes (PATCH/POST/DELETE, 2xx) per decoded path. */
  writesTo(path: string): number;
  /** Database users `auth0|<prefix><n>` with emails `<prefix><n>@example.com`. */
  seedDb(prefix: string, count: number, extra?: Partial<SeedUser>): string[];
  googleUser(email: string, identityId: string): string;
  createApp(name: string): string;
  close(): Promise<void>;
}

/** A sandbox on a free port with its own state folder, a database and a Google connection. */
export async function startUsersSandbox(
  options: Omit<SandboxOptions, 'stateDir' | 'port' | 'log'> = {},
): Promise<UsersSandbox> {
  const stateDir = stateDirWithKeys('users-sandbox-');
  const requests: Request[] = [];
  let served: ((request: Request) => void) | undefined;
  const sandbox = await startSandbox({
    ...options,
    stateDir,
    port: 0,
    reset: 'tenant',
    log: ({ method, path, status }) => {
      const request = { method, path: decodeURIComponent(path), status };
      requests.push(request);
      served?.(request);
    },
  });
  trustInProcess(sandbox.caPath);
  sandbox.store.connections.create({ name: DB, strategy: 'auth0', options: {} });
  sandbox.store.connections.create({ name: GOOGLE, strategy: 'google-oauth2', options: {} });
  return {
    ...sandbox,
    requests,
    onServed: (listener) => {
      served = listener;
    },
    writesTo: (path) =>
      requests.filter((r) => r.method !== 'GET' && r.path === path && r.status >= 200 && r.status < 300).length,
    seedDb: (prefix, count, extra = {}) => {
      const users = Array.from({ length: count }, (_, n): SeedUser => ({
        connection: DB,
        email: `${prefix}${n}@example.com`,
        email_verified: true,
        identityId: `${prefix}${n}`,
        ...extra,
      }));
      sandbox.store.users.seed(users);
      return users.map((user) => `auth0|${user.identityId}`);
    },
    googleUser: (email, identityId) =>
      sandbox.store.users.findOrCreateFromIdentity({ connection: GOOGLE, identityId, email, email_verified: true })
        .user_id,
    createApp: (name) => sandbox.store.clients.create({ name, app_type: 'spa' }).client_id,
    close: async () => {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * What a login leaves behind for a user, written straight into the sandbox's OIDC store: an SSO
 * session, a refresh token and a grant (as the Management API lists them).
 */
export function seedAccess(sandbox: Sandbox, userId: string, clientId: string): void {
  const oidc = new OidcStore(sandbox.store.db);
  const now = Math.floor(Date.now() / 1000);
  const session = `sess-${userId.replace(/\W/g, '')}`;
  // As the OIDC store keeps them: authenticated_at in seconds, the other times in milliseconds.
  oidc.putSession({
    id: session,
    user_id: userId,
    connection: DB,
    authenticated_at: now,
    last_interacted_at: Date.now(),
    expires_at: Date.now() + 3_600_000,
    clients: [clientId],
  });
  oidc.putRefreshToken(`rt-${session}`, {
    id: `rtid-${session}`,
    family: `fam-${session}`,
    client_id: clientId,
    user_id: userId,
    connection: DB,
    session_id: session,
    scope: ['openid', 'offline_access'],
    rotating: true,
    auth_time: now,
    created_at: now,
    last_exchanged_at: now,
  });
  oidc.recordGrant(
    { user_id: userId, client_id: clientId, audience: 'https://api.example.com', scope: ['read:orders'] },
    () => `grant-${session}`,
  );
}

export function accessOf(
  sandbox: Sandbox,
  userId: string,
): { sessions: number; refreshTokens: number; grants: number } {
  const oidc = new OidcStore(sandbox.store.db);
  return {
    sessions: oidc.sessionsOf(userId).length,
    refreshTokens: oidc.refreshTokensOf(userId).length,
    grants: oidc.grants().filter((grant) => grant.user_id === userId).length,
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment the CLI gets: only what it needs (never the developer's AUTH0_* variables). */
export function cliEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_EXTRA_CA_CERTS: sandbox.caPath,
    AUTH0_DOMAIN: sandbox.domain,
    AUTH0_CLIENT_ID: sandbox.deployClient.client_id,
    AUTH0_CLIENT_SECRET: sandbox.deployClient.client_secret,
    ...extra,
  };
}

/**
 * In this process, fetch (the auth0 SDK's transport) trusts the sandbox's CA as a child process
 * given NODE_EXTRA_CA_CERTS would: the public roots plus this test file's sandbox CA. Only the
 * latest: files sharing a worker run one after another, and every sandbox CA has the same subject,
 * so an earlier file's CA would be picked as the issuer and fail the check.
 */
function trustInProcess(caPath: string): void {
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, readFileSync(caPath, 'utf8')] } }));
}

export interface CliRun {
  result: Promise<CliResult>;
  /** What Ctrl-C does to `npm run users` (scripts/users.ts hands the signal to runCli's handler). */
  interrupt(): void;
  /** stderr so far (progress lines). */
  stderr(): string;
}

/** Runs the CLI in this process through runCli, with its output captured. */
export function startUsers(args: readonly string[], env: Record<string, string>): CliRun {
  let stdout = '';
  let stderr = '';
  const handlers = new Set<() => void>();
  const result = runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: {
      write: (text) => {
        stderr += text;
      },
      isTTY: false,
    },
    env,
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  }).then(async (code) => {
    // The sandbox logs a request once its response is sent; in one process the CLI can see the
    // response first. A moment later the log holds every request of the run.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { code, stdout, stderr };
  });
  return { result, interrupt: () => handlers.forEach((handler) => handler()), stderr: () => stderr };
}

export function users(
  sandbox: Sandbox,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  return startUsers(args, cliEnv(sandbox, extraEnv)).result;
}

/**
 * `npm run users` as npm runs it: the TypeScript entry through ts-node, in a child process (the
 * one smoke test of the entry point: its CA handling and the re-run).
 */
export function spawnUsers(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return spawnUsersProcess(args, env).result;
}

/** The same, with the process (to signal it as npm would). */
export function spawnUsersProcess(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', ENTRY, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const result = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  return { child, result };
}

const temporary: string[] = [];

function track(dir: string): string {
  temporary.push(dir);
  return dir;
}

/** Removes the temporary folders. */
export function removeTemporary(): void {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(): string {
  return track(mkdtempSync(join(tmpdir(), 'users-test-')));
}

/** A CSV of user ids for --from (with a client_id column when `extra` is given). */
export function csv(ids: readonly string[], extra = ''): string {
  const path = join(tempDir(), 'users.csv');
  writeFileSync(
    path,
    `user${extra ? ',client_id' : ''}\n${ids.map((id) => (extra ? `${id},${extra}` : id)).join('\n')}\n`,
  );
  return path;
}

export function journalLines(path: string): { i?: number; s?: string }[] {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { i?: number; s?: string })
    : [];
}

/** Each user written exactly once, and blocked. */
export function expectEachBlockedOnce(sandbox: UsersSandbox, ids: readonly string[]): void {
  const writes = ids.map((id) => sandbox.writesTo(`/api/v2/users/${id}`));
  expect(writes.filter((n) => n !== 1)).toEqual([]);
  expect(ids.filter((id) => sandbox.store.users.get(id)?.blocked !== true)).toEqual([]);
}
