import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../local/sandbox';

export interface HttpResult<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim as application/json (for malformed payloads). */
  raw?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** A sandbox on a free port with its own temporary state folder, removed on close. */
export async function startTestSandbox(options: Omit<SandboxOptions, 'stateDir' | 'port'> = {}): Promise<Sandbox> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
  const sandbox = await startSandbox({ ...options, stateDir, port: 0 });
  return {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** HTTPS to the sandbox, trusting its CA only (TLS verification stays on). */
export function call<T = unknown>(sandbox: Sandbox, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
  const ca = readFileSync(sandbox.caPath);
  let payload: string | undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (options.form) {
    payload = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.raw !== undefined) {
    payload = options.raw;
    headers['content-type'] = 'application/json';
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: sandbox.port, method, path, ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = (text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface TokenResponse {
  access_token: string;
  scope: string;
  expires_in: number;
  token_type: string;
}

export async function clientToken(sandbox: Sandbox, clientId: string, clientSecret: string, extra: Record<string, string> = {}):
  Promise<HttpResult<TokenResponse & { error?: string; error_description?: string }>> {
  return call(sandbox, 'POST', '/oauth/token', {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, audience: sandbox.managementAudience, ...extra },
  });
}

/** A Management API token with every scope (the bootstrap deploy client's). */
export async function deployToken(sandbox: Sandbox): Promise<string> {
  const result = await clientToken(sandbox, sandbox.deployClient.client_id, sandbox.deployClient.client_secret);
  if (result.status !== 200) throw new Error(`token request failed: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body.access_token;
}
