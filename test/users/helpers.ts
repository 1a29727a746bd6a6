import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions, type SeedUser } from '../../local/sandbox';

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
  /** Successful writes (PATCH/POST/DELETE, 2xx) per decoded path. */
  writesTo(path: string): number;
  /** Database users `auth0|<prefix><n>` with emails `<prefix><n>@example.com`. */
  seedDb(prefix: string, count: number, extra?: Partial<SeedUser>): string[];
  googleUser(email: string, identityId: string): string;
  createApp(name: string): string;
  close(): Promise<void>;
}

/** A sandbox on a free port with its own state folder, a database and a Google connection. */
export async function startUsersSandbox(options: Omit<SandboxOptions, 'stateDir' | 'port' | 'log'> = {}): Promise<UsersSandbox> {
  const stateDir = mkdtempSync(join(tmpdir(), 'users-sandbox-'));
  const requests: Request[] = [];
  const sandbox = await startSandbox({
    ...options,
    stateDir,
    port: 0,
    log: ({ method, path, status }) => requests.push({ method, path: decodeURIComponent(path), status }),
  });
  sandbox.store.connections.create({ name: DB, strategy: 'auth0', options: {} });
  sandbox.store.connections.create({ name: GOOGLE, strategy: 'google-oauth2', options: {} });
  return {
    ...sandbox,
    requests,
    writesTo: (path) => requests.filter((r) => r.method !== 'GET' && r.path === path && r.status >= 200 && r.status < 300).length,
    seedDb: (prefix, count, extra = {}) => {
      const users = Array.from({ length: count }, (_, n): SeedUser => ({
        connection: DB, email: `${prefix}${n}@example.com`, email_verified: true, identityId: `${prefix}${n}`, ...extra,
      }));
      sandbox.store.users.seed(users);
      return users.map((user) => `auth0|${user.identityId}`);
    },
    googleUser: (email, identityId) =>
      sandbox.store.users.findOrCreateFromIdentity({ connection: GOOGLE, identityId, email, email_verified: true }).user_id,
    createApp: (name) => sandbox.store.clients.create({ name, app_type: 'spa' }).client_id,
    close: async () => {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
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

let compiled: string | undefined;

/**
 * scripts/users.ts compiled once into one file: starting it costs a third of ts-node's startup,
 * which matters over dozens of runs on a shared machine. It sits in a mirror of the repository
 * (`scripts/`, with `tenant/` and `node_modules/` linked) so paths relative to the code resolve
 * as they do in the repository.
 */
function compiledEntry(): string {
  if (compiled) return compiled;
  const mirror = track(mkdtempSync(join(tmpdir(), 'users-cli-')));
  mkdirSync(join(mirror, 'scripts'));
  symlinkSync(join(ROOT, 'tenant'), join(mirror, 'tenant'));
  symlinkSync(join(ROOT, 'node_modules'), join(mirror, 'node_modules'));
  const outfile = join(mirror, 'scripts', 'users.js');
  buildSync({ entryPoints: [ENTRY], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', logLevel: 'error' });
  compiled = outfile;
  return outfile;
}

/**
 * Starts the CLI in a child process, as `npm run users` does: compiled (default), or the
 * TypeScript entry itself through ts-node (`real`), exactly as npm runs it.
 */
export function spawnUsers(args: readonly string[], env: Record<string, string>, options: { real?: boolean } = {}): ChildProcess & { result: Promise<CliResult> } {
  const entry = options.real ? ['-r', 'ts-node/register/transpile-only', ENTRY] : [compiledEntry()];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const result = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { result });
}

export function users(sandbox: Sandbox, args: readonly string[], extraEnv: Record<string, string> = {}, options: { real?: boolean } = {}): Promise<CliResult> {
  return spawnUsers(args, cliEnv(sandbox, extraEnv), options).result;
}

const temporary: string[] = [];

function track(dir: string): string {
  temporary.push(dir);
  return dir;
}

/** Removes the temporary folders and the compiled CLI (its links to the repository, not their targets). */
export function removeTemporary(): void {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
  compiled = undefined;
}

export function tempDir(): string {
  return track(mkdtempSync(join(tmpdir(), 'users-test-')));
}
