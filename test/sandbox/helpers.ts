import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/sandbox';
import { SandboxClient, type SandboxResponse } from '../../local/sandbox/client';

export type HttpResult<T = unknown> = SandboxResponse<T>;

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim as application/json (for malformed payloads). */
  raw?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * A temporary state folder holding the run's CA and keys (test/setup/sandbox-keys.ts): a sandbox
 * started on it with `reset: 'tenant'` is a new tenant and generates no keys.
 */
export function stateDirWithKeys(prefix: string): string {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(inject('sandboxKeysDir'), stateDir, { recursive: true });
  return stateDir;
}

/** A sandbox on a free port with its own temporary state folder (stateDirWithKeys), removed on close. */
export async function startTestSandbox(options: Omit<SandboxOptions, 'stateDir' | 'port'> = {}): Promise<Sandbox> {
  const stateDir = stateDirWithKeys('sandbox-test-');
  const sandbox = await startSandbox({ ...options, stateDir, port: 0, reset: 'tenant' });
  return {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** HTTPS to the sandbox through its own client: its CA only, TLS verification on. */
export function call<T = unknown>(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const { token, body, raw, form, headers } = options;
  return new SandboxClient(sandbox).request<T>(method, path, { token, json: body, rawJson: raw, form, headers });
}

export interface TokenResponse {
  access_token: string;
  scope: string;
  expires_in: number;
  token_type: string;
}

export async function clientToken(
  sandbox: Sandbox,
  clientId: string,
  clientSecret: string,
  extra: Record<string, string> = {},
): Promise<HttpResult<TokenResponse & { error?: string; error_description?: string }>> {
  return call(sandbox, 'POST', '/oauth/token', {
    form: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience: sandbox.managementAudience,
      ...extra,
    },
  });
}

/** A Management API token with every scope (the bootstrap deploy client's). */
export async function deployToken(sandbox: Sandbox): Promise<string> {
  const result = await clientToken(sandbox, sandbox.deployClient.client_id, sandbox.deployClient.client_secret);
  if (result.status !== 200) throw new Error(`token request failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body.access_token;
}

/** A port nothing listens on now, on 127.0.0.1 (for a server that must know its port before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
