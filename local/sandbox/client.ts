import { existsSync, readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DeployClientCredentials } from './bootstrap';
import { statePaths } from './state';

/**
 * A small HTTPS client for a running sandbox (in this process or another): it trusts the
 * sandbox's CA only, with verification on. Used by `npm start`, `npm run login`, the journeys and
 * the sandbox environment bootstrap.
 */

export interface SandboxResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

export interface SandboxRequest {
  token?: string;
  json?: unknown;
  form?: Record<string, string>;
  /** Default `application/json`. */
  accept?: string;
  /** Sent verbatim as application/json (tests send malformed payloads with it). */
  rawJson?: string;
  /** Extra headers; they win over the ones above. */
  headers?: Record<string, string>;
}

export interface SandboxTarget {
  /** `127.0.0.1:<port>` */
  domain: string;
  caPath: string;
}

export class SandboxClient {
  private readonly host: string;
  private readonly port: number;
  private readonly ca: Buffer;

  constructor(readonly target: SandboxTarget) {
    const [host = '127.0.0.1', port = '443'] = target.domain.split(':');
    this.host = host;
    this.port = Number(port);
    this.ca = readFileSync(target.caPath);
  }

  get url(): string {
    return `https://${this.target.domain}`;
  }

  request<T = unknown>(method: string, path: string, options: SandboxRequest = {}): Promise<SandboxResponse<T>> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    let payload: string | undefined;
    if (options.form) {
      payload = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.rawJson !== undefined || options.json !== undefined) {
      payload = options.rawJson ?? JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    Object.assign(headers, options.headers);
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: this.host, port: this.port, method, path, ca: this.ca, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const body = (text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ECONNREFUSED'
            ? new Error(
                `nothing listens on https://${this.target.domain}: start the sandbox (npm start or npm run sandbox), or set SANDBOX_PORT`,
              )
            : error,
        ),
      );
      req.end(payload);
    });
  }

  /** A Management API access token by client credentials. */
  async managementToken(client: DeployClientCredentials): Promise<string> {
    const response = await this.request<{ access_token?: string; error_description?: string }>('POST', '/oauth/token', {
      json: {
        grant_type: 'client_credentials',
        client_id: client.client_id,
        client_secret: client.client_secret,
        audience: `${this.url}/api/v2/`,
      },
    });
    if (response.status !== 200 || !response.body.access_token) {
      throw new Error(`token request refused: ${response.status} ${response.body.error_description ?? ''}`.trim());
    }
    return response.body.access_token;
  }
}

/** The deploy client's credentials from a sandbox state folder (written on first start, mode 0600). */
export function readDeployClient(stateDir: string): DeployClientCredentials {
  const file = statePaths(stateDir).deployClient;
  if (!existsSync(file))
    throw new Error(`${file} does not exist: start the sandbox first (npm start or npm run sandbox)`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DeployClientCredentials>;
  if (typeof parsed.client_id !== 'string' || typeof parsed.client_secret !== 'string')
    throw new Error(`${file} is not a deploy client credentials file`);
  return { client_id: parsed.client_id, client_secret: parsed.client_secret };
}

/** Where a sandbox started from `stateDir` on `port` is reached, and which CA to trust. */
export function sandboxTarget(stateDir: string, port: number): SandboxTarget {
  const caPath = statePaths(stateDir).caCert;
  if (!existsSync(caPath))
    throw new Error(`${caPath} does not exist: start the sandbox first (npm start or npm run sandbox)`);
  return { domain: `127.0.0.1:${port}`, caPath };
}
