import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { caFetch, startSandbox, type Sandbox } from '../../local/sandbox';
import { REPO_ROOT } from '../paths';
import { codeFlow, summarize, timeOne, type Measured, type Timing } from './local-auth0';
import { table } from './stats';

/**
 * Figures of the account service (issue 11): p50/p99 of the profile API's read (`GET
 * /api/profile`) and update (`PATCH /api/profile`) with a sandbox tenant behind it, and the
 * service's memory at rest and under many concurrent users. The service runs in a child process of
 * its own (account/main.ts bundled as the image bundles it, logger on, a small probe preloaded that
 * reports memory and CPU over IPC), so the memory is the service's only; the sandbox and the load
 * run in this process. Each user has a real access token for the profile
 * API, from a code flow of a Profile-SPA-like client (PKCE, no secret) at the sandbox; the
 * service verifies it against the sandbox's JWKS and reads/writes through the Management API.
 * No Actions are deployed: the logins only issue the tokens, before anything is measured.
 */

export interface AccountBenchInput {
  /** Sequential reads, then sequential updates, measured (after a few unmeasured warm-ups). */
  runs: number;
  /** Users at once, each with its own token (and address). */
  users: number;
  /** Requests per concurrent user, reads and updates alternating. */
  requestsPerUser: number;
}

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** CPU time (user + system) the process has used since it started. */
  cpuMs: number;
}

export interface AccountFigures {
  read: Timing;
  update: Timing;
  /** `serviceCpuMs`: the CPU time the service's process used during the concurrent phase. */
  concurrent: Timing & { users: number; wallMs: number; serviceCpuMs: number };
  memory: { atRest: MemorySample; peakUnderLoad: MemorySample; afterLoad: MemorySample };
  /** The first few failed requests of all phases (status and error code). */
  firstErrors: string[];
}

const PROFILE_API = 'https://profile-api.bench.test';
const SPA_CALLBACK = 'http://localhost:3001/';
const PASSWORD = `Bench-${randomBytes(12).toString('hex')}`;
/**
 * The API allows 30 requests a minute per client address (account/server.ts RATE_LIMITS). The
 * service trusts this process as its load balancer (ACCOUNT_TRUST_PROXY) and each simulated client
 * sends its own X-Forwarded-For, a new one every 25 requests: the figures are the API's, not the
 * limiter's refusals.
 */
const REQUESTS_PER_ADDRESS = 25;
const MEMORY_SAMPLE_MS = 100;

export async function printAccount(): Promise<void> {
  const users = 100;
  const figures = await benchAccount({ runs: 300, users, requestsPerUser: 20 });
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const row = (measure: string, timing: Timing, wallMs?: number) => ({
    measure,
    p50: ms(timing.p50Ms),
    p99: ms(timing.p99Ms),
    errors: String(timing.errors),
    wall: wallMs === undefined ? '' : ms(wallMs),
    'req/s': wallMs === undefined ? '' : ((timing.runs / wallMs) * 1000).toFixed(0),
  });
  console.log(
    '\n## The account service: profile API (Bearer token verified, the sandbox’s Management API behind it)\n',
  );
  console.log(
    table([
      row(`GET /api/profile, ${figures.read.runs} in sequence`, figures.read),
      row(`PATCH /api/profile, ${figures.update.runs} in sequence`, figures.update),
      row(
        `${figures.concurrent.users} users at once, ${figures.concurrent.runs} requests (GET/PATCH alternating)`,
        figures.concurrent,
        figures.concurrent.wallMs,
      ),
    ]),
  );
  for (const error of figures.firstErrors) console.log(`  error: ${error}`);
  const { serviceCpuMs, runs, wallMs } = figures.concurrent;
  console.log(
    `\n(under load the service's process used ${(serviceCpuMs / 1000).toFixed(1)} s of CPU in ${(wallMs / 1000).toFixed(1)} s, ` +
      `${(serviceCpuMs / runs).toFixed(1)} ms per request; the sandbox and the ${figures.concurrent.users} clients share the bench's process)`,
  );
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const memoryRow = (measure: string, sample: MemorySample) => ({
    measure,
    rss: mb(sample.rssBytes),
    'heap used': mb(sample.heapUsedBytes),
    'heap total': mb(sample.heapTotalBytes),
  });
  console.log('\n## The account service: memory of its process (Node, the service only)\n');
  console.log(
    table([
      memoryRow('at rest (started, warmed up: JWKS and Management API token cached)', figures.memory.atRest),
      memoryRow(
        `peak under ${users} concurrent users (sampled every ${MEMORY_SAMPLE_MS} ms)`,
        figures.memory.peakUnderLoad,
      ),
      memoryRow('after the load (1 s idle, no forced GC)', figures.memory.afterLoad),
    ]),
  );
  if (figures.read.errors + figures.update.errors + figures.concurrent.errors > 0)
    throw new Error('the account service bench had request errors');
}

export async function benchAccount(input: AccountBenchInput): Promise<AccountFigures> {
  const root = mkdtempSync(join(tmpdir(), 'bench-account-'));
  const sandbox = await startSandbox({ stateDir: join(root, 'state'), port: 0, actionBuildDelayMs: 0 });
  const http = caFetch(readFileSync(sandbox.caPath));
  let service: ChildProcess | undefined;
  try {
    const tenant = seedTenant(sandbox, input.users + 1);
    const tokens: string[] = [];
    for (const email of tenant.emails)
      tokens.push(
        await codeFlow(http.fetch, {
          origin: sandbox.url,
          clientId: tenant.spaClientId,
          clientSecret: undefined,
          authMethod: 'none',
          redirectUri: SPA_CALLBACK,
          email,
          password: PASSWORD,
          api: { audience: PROFILE_API, scope: 'openid read:profile update:profile' },
        }),
      );
    const started = await startService(root, sandbox, tenant.m2m);
    service = started.child;
    const api = new ProfileApi(`http://127.0.0.1:${started.port}`);
    const [single = '', ...crowd] = tokens;

    for (let i = 0; i < 5; i++) await api.call(api.client(), single, i % 2 === 0 ? 'GET' : 'PATCH');
    const atRest = await memoryOf(service);

    const read = await sequence(input.runs, (client) => api.call(client, single, 'GET'), api);
    const update = await sequence(input.runs, (client) => api.call(client, single, 'PATCH'), api);

    const samples: MemorySample[] = [];
    const sampler = setInterval(() => {
      if (service) void memoryOf(service).then((sample) => samples.push(sample));
    }, MEMORY_SAMPLE_MS);
    const before = await memoryOf(service);
    const wallStart = process.hrtime.bigint();
    const concurrent = (
      await Promise.all(
        crowd.map((token) =>
          sequence(input.requestsPerUser, (client, i) => api.call(client, token, i % 2 === 0 ? 'GET' : 'PATCH'), api),
        ),
      )
    ).flat();
    const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
    clearInterval(sampler);
    const after = await memoryOf(service);
    samples.push(after);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const afterLoad = await memoryOf(service);

    return {
      read: summarize(read),
      update: summarize(update),
      concurrent: {
        ...summarize(concurrent),
        users: crowd.length,
        wallMs,
        serviceCpuMs: after.cpuMs - before.cpuMs,
      },
      memory: { atRest, peakUnderLoad: peak(samples), afterLoad },
      firstErrors: [...read, ...update, ...concurrent]
        .flatMap((result) => (result.error === undefined ? [] : [result.error]))
        .slice(0, 5),
    };
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service?.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    http.close();
    await sandbox.close();
    rmSync(root, { recursive: true, force: true });
  }
}

interface BenchTenant {
  spaClientId: string;
  m2m: { clientId: string; clientSecret: string };
  emails: string[];
}

/** The profile API, a Profile-SPA-like client, the service's least-privilege M2M client, the users. */
function seedTenant(sandbox: Sandbox, users: number): BenchTenant {
  const { store } = sandbox;
  store.resourceServers.create({
    identifier: PROFILE_API,
    name: 'Profile API',
    scopes: [{ value: 'read:profile' }, { value: 'update:profile' }],
  });
  const spa = store.clients.create({
    name: 'Profile SPA',
    app_type: 'spa',
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'none',
    callbacks: [SPA_CALLBACK],
  });
  store.connections.create({ name: 'customers', strategy: 'auth0', enabled_clients: [spa.client_id] });
  const m2m = store.clients.create({
    name: 'Account Service M2M',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  store.clientGrants.create({
    client_id: m2m.client_id,
    audience: sandbox.managementAudience,
    scope: ['read:users', 'update:users'],
  });
  const emails = Array.from({ length: users }, (_, i) => `bench-${i}@example.com`);
  store.users.seed(
    emails.map((email) => ({
      connection: 'customers',
      email,
      email_verified: true,
      user_metadata: { given_name: 'Bench', preferred_language: 'en' },
    })),
    { password: PASSWORD },
  );
  return {
    spaClientId: spa.client_id,
    m2m: { clientId: m2m.client_id, clientSecret: m2m.client_secret ?? '' },
    emails,
  };
}

/**
 * The production entry (account/main.ts) bundled as account/Dockerfile does (npm packages
 * external, resolved from this repository's node_modules; the terms content beside it), with the
 * memory probe preloaded, started with its own environment only (nothing inherited that could
 * override it), on a free port (read from its "listening" log line), trusting the sandbox's CA.
 */
async function startService(
  root: string,
  sandbox: Sandbox,
  m2m: BenchTenant['m2m'],
): Promise<{ child: ChildProcess; port: number }> {
  const outfile = join(root, 'account', 'main.js');
  const probe = join(root, 'probe.js');
  const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'silent' } as const;
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'account', 'main.ts')], packages: 'external', outfile });
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'tooling', 'bench', 'account-probe.ts')], outfile: probe });
  cpSync(join(REPO_ROOT, 'account', 'terms', 'content'), join(root, 'account', 'terms', 'content'), {
    recursive: true,
  });
  const child = fork(outfile, [], {
    execArgv: ['--require', probe],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      NODE_EXTRA_CA_CERTS: sandbox.caPath,
      ACCOUNT_HOST: '127.0.0.1',
      ACCOUNT_PORT: '0',
      ACCOUNT_TRUST_PROXY: '127.0.0.1',
      AUTH0_DOMAIN: sandbox.domain,
      TERMS_SESSION_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      ACCOUNT_SESSION_KEYS: randomBytes(32).toString('base64'),
      ACCOUNT_MGMT_DOMAIN: sandbox.domain,
      ACCOUNT_MGMT_CLIENT_ID: m2m.clientId,
      ACCOUNT_MGMT_CLIENT_SECRET: m2m.clientSecret,
      ACCOUNT_PROFILE_API_AUDIENCE: PROFILE_API,
    },
  });
  const { stdout } = child;
  if (!stdout) throw new Error('the account service has no stdout pipe');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the account service exited (${String(code)}): ${stderr.trim()}`)));
    // The request log goes on being read (and dropped) so the service never blocks on a full pipe.
    createInterface({ input: stdout }).on('line', (line) => {
      const listening = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (listening) resolve(Number(listening[1]));
    });
  });
  return { child, port };
}

function memoryOf(child: ChildProcess): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const { memory, cpu } = message as { memory?: NodeJS.MemoryUsage; cpu?: NodeJS.CpuUsage };
      if (!memory || !cpu) return;
      child.off('message', onMessage);
      resolve({
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        heapTotalBytes: memory.heapTotal,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    };
    child.on('message', onMessage);
    if (!child.send('memory')) reject(new Error('the account service is gone'));
  });
}

function peak(samples: MemorySample[]): MemorySample {
  return {
    rssBytes: Math.max(...samples.map((s) => s.rssBytes)),
    heapUsedBytes: Math.max(...samples.map((s) => s.heapUsedBytes)),
    heapTotalBytes: Math.max(...samples.map((s) => s.heapTotalBytes)),
    cpuMs: Math.max(...samples.map((s) => s.cpuMs)),
  };
}

/** `runs` calls in sequence, from a client whose address changes every REQUESTS_PER_ADDRESS calls. */
async function sequence(
  runs: number,
  call: (client: string, index: number) => Promise<void>,
  api: ProfileApi,
): Promise<Measured[]> {
  const results: Measured[] = [];
  let client = api.client();
  for (let i = 0; i < runs; i++) {
    if (i > 0 && i % REQUESTS_PER_ADDRESS === 0) client = api.client();
    results.push(await timeOne(() => call(client, i)));
  }
  return results;
}

class ProfileApi {
  private clients = 0;
  private updates = 0;

  constructor(private readonly origin: string) {}

  /** A new client address (10.x.y.z), as the load balancer would forward it. */
  client(): string {
    const n = ++this.clients;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  /** One call; throws unless 200, with the status and the error code. */
  async call(client: string, token: string, method: 'GET' | 'PATCH'): Promise<void> {
    const response = await fetch(`${this.origin}/api/profile`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-forwarded-for': client,
        ...(method === 'PATCH' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'PATCH' ? { body: JSON.stringify({ nickname: `bench ${++this.updates}` }) } : {}),
    });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`${method} /api/profile answered ${response.status}: ${body.slice(0, 200)}`);
  }
}
