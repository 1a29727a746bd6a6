import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../local/sandbox';
import { statePaths } from '../../local/sandbox';
import { table } from './stats';

const ROOT = resolve(__dirname, '..', '..');

/**
 * A tenant's Management API rate limit in front of the sandbox (which has none): a token bucket
 * of `limit` requests per second, `limit` deep, as Auth0 meters it, empty at the run's first
 * request so a run measures the sustained rate, not an initial burst. A request over the limit gets
 * Auth0's 429 (Retry-After in whole seconds, x-ratelimit-* headers); with `headersOnSuccess`,
 * every answer carries the x-ratelimit-* headers as Auth0's do, without them a client only
 * learns of the limit from 429s. It reuses the sandbox's certificate, so clients trust it alike.
 */
interface RateLimitedProxy {
  domain: string;
  close(): Promise<void>;
}

async function rateLimitedProxy(sandbox: Sandbox, limit: number, headersOnSuccess: boolean): Promise<RateLimitedProxy> {
  const paths = statePaths(sandbox.stateDir);
  const ca = readFileSync(sandbox.caPath);
  let tokens = 0;
  let refilledAt: number | undefined;
  const server: Server = createServer(
    { key: readFileSync(paths.serverKey), cert: readFileSync(paths.serverCert) },
    (req, res) => {
      const now = Date.now();
      const metered = req.url?.startsWith('/api/v2/') ?? false;
      // The bucket starts filling at the first metered request, not while the CLI starts up.
      if (metered) refilledAt ??= now;
      tokens = Math.min(limit, tokens + ((now - (refilledAt ?? now)) / 1000) * limit);
      if (metered) refilledAt = now;
      // Epoch seconds at which the bucket is full again.
      const reset = Math.ceil((now + ((limit - tokens) / limit) * 1000) / 1000);
      if (metered && tokens < 1) {
        req.resume();
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(Math.max(1, Math.ceil((1 - tokens) / limit))),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        });
        res.end(
          JSON.stringify({
            statusCode: 429,
            error: 'Too Many Requests',
            message: 'Global limit has been reached',
            errorCode: 'too_many_requests',
          }),
        );
        return;
      }
      if (metered) tokens -= 1;
      const upstream = request(
        { host: '127.0.0.1', port: sandbox.port, method: req.method, path: req.url, headers: req.headers, ca },
        (answer) => {
          const headers =
            metered && headersOnSuccess
              ? {
                  ...answer.headers,
                  'x-ratelimit-limit': String(limit),
                  'x-ratelimit-remaining': String(Math.floor(tokens)),
                  'x-ratelimit-reset': String(reset),
                }
              : answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    },
  );
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

interface BulkRunResult {
  users: number;
  seconds: number;
  throttled: number;
  requests: number;
}

async function runBulkBlock(
  proxy: RateLimitedProxy,
  sandbox: Sandbox,
  token: string,
  input: string,
  rate: number,
  concurrency: number,
): Promise<BulkRunResult> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'scripts', 'users.ts'),
      'block',
      '--from',
      input,
      '--rate',
      String(rate),
      '--concurrency',
      String(concurrency),
      '--json',
    ],
    {
      cwd: ROOT,
      // The token is the sandbox's (its audience); requests go through the proxy's domain.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: sandbox.caPath,
        AUTH0_DOMAIN: proxy.domain,
        AUTH0_ACCESS_TOKEN: token,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`bulk block failed (${code}): ${stderr.slice(-2000)}`);
  const summary = JSON.parse(stdout) as { done: number; elapsed_ms: number; throttled: number; requests: number };
  return {
    users: summary.done,
    seconds: summary.elapsed_ms / 1000,
    throttled: summary.throttled,
    requests: summary.requests,
  };
}

async function managementToken(sandbox: Sandbox): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: sandbox.deployClient.client_id,
    client_secret: sandbox.deployClient.client_secret,
    audience: sandbox.managementAudience,
  }).toString();
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: sandbox.port,
        method: 'POST',
        path: '/oauth/token',
        ca: readFileSync(sandbox.caPath),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => done((JSON.parse(text) as { access_token: string }).access_token));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * `npm run users -- block --from <N users>` through a simulated per-tenant rate limit: users
 * blocked per second, and requests per second as a fraction of the limit (two requests per user:
 * the read that tells "already blocked" apart, then the write), with --rate at the limit
 * (the operator knows the plan) and at twice the limit (they do not: 429s and backoff do the work).
 */
export async function benchBulk(options: { users?: number; limit?: number } = {}): Promise<void> {
  const count = options.users ?? 1000;
  const limit = options.limit ?? 50;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-users-'));
  const sandbox = await startSandbox({ stateDir, port: 0 });
  try {
    sandbox.store.connections.create({ name: 'Username-Password-Authentication', strategy: 'auth0', options: {} });
    const token = await managementToken(sandbox);
    const rows: Record<string, string>[] = [];
    const scenarios = [
      { label: 'at the limit', rate: limit, headersOnSuccess: true },
      { label: 'twice the limit', rate: limit * 2, headersOnSuccess: true },
      { label: 'twice the limit', rate: limit * 2, headersOnSuccess: false },
    ];
    for (const { label, rate, headersOnSuccess } of scenarios) {
      const prefix = `bench${rows.length}-`;
      sandbox.store.users.seed(
        Array.from({ length: count }, (_, n) => ({
          connection: 'Username-Password-Authentication',
          email: `${prefix}${n}@example.com`,
          identityId: `${prefix}${n}`,
        })),
      );
      const input = join(stateDir, `${prefix}users.csv`);
      writeFileSync(input, `user\n${Array.from({ length: count }, (_, n) => `auth0|${prefix}${n}`).join('\n')}\n`);
      const proxy = await rateLimitedProxy(sandbox, limit, headersOnSuccess);
      const result = await runBulkBlock(proxy, sandbox, token, input, rate, 8).finally(() => proxy.close());
      const perSecond = result.users / result.seconds;
      rows.push({
        '--rate': `${rate} (${label})`,
        'x-ratelimit-* on': headersOnSuccess ? 'every response' : '429s only',
        users: String(result.users),
        seconds: result.seconds.toFixed(1),
        'users/s': perSecond.toFixed(1),
        'requests/s': (result.requests / result.seconds).toFixed(1),
        'of the limit': `${((result.requests / result.seconds / limit) * 100).toFixed(1)}%`,
        '429s': String(result.throttled),
      });
    }
    console.log(
      `\n## Bulk block through a simulated ${limit} requests/s tenant limit (sandbox, ${count} users per run, 2 requests per user, --concurrency 8)\n`,
    );
    console.log(table(rows));
  } finally {
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchBulk().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
