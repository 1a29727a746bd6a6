import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { caFetch, measureEmailRender, SandboxClient, type Sandbox } from '../../local/sandbox';
import { SEEDED, seedUsers, WEB_APP } from '../start/journeys';
import { percentiles, table } from './stats';

/**
 * Figures for the sandbox as a local Auth0 (issue 10), measured against a started sandbox with a
 * deployed tenant: the full authorization code flow as a browser and an application do it
 * (`/authorize` → login page → code at the callback → `/oauth/token`), many logins at once, and
 * the rendering of each deployed email template. Returns the figures; printing is the caller's.
 */

export interface LocalAuth0BenchInput {
  sandbox: Pick<Sandbox, 'url' | 'caPath' | 'store'>;
  /** An application with a callback, the authorization_code grant and the database connection enabled. */
  clientId: string;
  /** A database user whose logins the deployed Actions allow without a redirect. */
  email: string;
  password: string;
  /** Sequential code flows measured (after one unmeasured warm-up). */
  runs: number;
  /** Code flows started at once. */
  concurrentLogins: number;
  /** Renders per email template (default 200). */
  emailRenderIterations?: number;
}

export interface Timing {
  runs: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface LocalAuth0Figures {
  codeFlow: Timing;
  concurrentLogins: Timing & { wallMs: number; firstErrors: string[] };
  emailRender: { template: string; p50Ms: number; p95Ms: number }[];
}

/**
 * `npm run bench`'s figures of the local Auth0, on a sandbox where tenant.yaml is deployed: the
 * journeys' users are seeded, and the returning one (terms accepted, linking checked: no Action
 * redirect) logs in to the Customer Web App.
 */
export async function printLocalAuth0(sandbox: Sandbox, termsVersion: string): Promise<void> {
  const client = new SandboxClient({ domain: sandbox.domain, caPath: sandbox.caPath });
  const token = await client.managementToken(sandbox.deployClient);
  const password = `Bench-${randomBytes(12).toString('hex')}`;
  await seedUsers({ client, token, termsVersion, password });
  const webApp = sandbox.store.clients.list().find((candidate) => candidate.name === WEB_APP);
  if (!webApp) throw new Error(`no "${WEB_APP}" client: is tenant.yaml deployed?`);
  const figures = await benchLocalAuth0({
    sandbox,
    clientId: webApp.client_id,
    email: SEEDED.returning,
    password,
    runs: 200,
    concurrentLogins: 200,
  });
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  console.log(
    '\n## The local Auth0: code flow (authorize → login page → code → tokens, the 4 deployed Actions, no redirect)\n',
  );
  console.log(
    table([
      {
        measure: `${figures.codeFlow.runs} code flows in sequence`,
        p50: ms(figures.codeFlow.p50Ms),
        p99: ms(figures.codeFlow.p99Ms),
        errors: String(figures.codeFlow.errors),
        wall: '',
      },
      {
        measure: `${figures.concurrentLogins.runs} code flows at once`,
        p50: ms(figures.concurrentLogins.p50Ms),
        p99: ms(figures.concurrentLogins.p99Ms),
        errors: String(figures.concurrentLogins.errors),
        wall: ms(figures.concurrentLogins.wallMs),
      },
    ]),
  );
  for (const error of figures.concurrentLogins.firstErrors) console.log(`  error: ${error}`);
  console.log('\n## Email render (the deployed templates, liquidjs: from, subject, body, resultUrl)\n');
  console.log(
    table(
      figures.emailRender.map((row) => ({
        template: row.template,
        p50: `${row.p50Ms.toFixed(3)} ms`,
        p95: `${row.p95Ms.toFixed(3)} ms`,
      })),
    ),
  );
  if (figures.codeFlow.errors > 0 || figures.concurrentLogins.errors > 0)
    throw new Error('the local Auth0 bench had login errors');
}

export async function benchLocalAuth0(input: LocalAuth0BenchInput): Promise<LocalAuth0Figures> {
  const client = input.sandbox.store.clients.get(input.clientId);
  const redirectUri = client?.callbacks?.[0];
  if (!client || redirectUri === undefined)
    throw new Error(`client ${input.clientId} does not exist or has no callback URL`);
  const http = caFetch(readFileSync(input.sandbox.caPath));
  const flow = async (): Promise<void> => {
    await codeFlow(http.fetch, {
      origin: input.sandbox.url,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      authMethod: client.token_endpoint_auth_method ?? 'client_secret_post',
      redirectUri,
      email: input.email,
      password: input.password,
    });
  };
  try {
    await flow(); // warm-up: the Actions load once per deployed version
    const sequential = await timed(input.runs, async () => flow());
    const started = process.hrtime.bigint();
    const concurrent = await Promise.all(Array.from({ length: input.concurrentLogins }, () => timeOne(flow)));
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const templates = input.sandbox.store.emailTemplates.list();
    return {
      codeFlow: summarize(sequential),
      concurrentLogins: {
        ...summarize(concurrent),
        wallMs,
        firstErrors: concurrent.flatMap((result) => (result.error === undefined ? [] : [result.error])).slice(0, 5),
      },
      emailRender: measureEmailRender(templates, input.emailRenderIterations),
    };
  } finally {
    http.close();
  }
}

interface FlowTarget {
  origin: string;
  clientId: string;
  clientSecret: string | undefined;
  authMethod: string;
  redirectUri: string;
  email: string;
  password: string;
  /** An API to get the access token for, with its scopes (default: `scope=openid`, no audience). */
  api?: { audience: string; scope: string };
}

/** One login as a browser and the application do it; the access token, or throws. */
export async function codeFlow(fetcher: typeof fetch, target: FlowTarget): Promise<string> {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetcher(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const separator = pair.indexOf('=');
      if (separator > 0) cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
    }
    return response;
  };
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL('/authorize', target.origin);
  for (const [name, value] of Object.entries({
    client_id: target.clientId,
    redirect_uri: target.redirectUri,
    response_type: 'code',
    scope: target.api?.scope ?? 'openid',
    ...(target.api ? { audience: target.api.audience } : {}),
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(name, value);

  const toLogin = await send(authorize.toString());
  const loginUrl = expectRedirect(toLogin, '/authorize');
  const page = await send(new URL(loginUrl, target.origin).toString(), { headers: { accept: 'text/html' } });
  if (page.status !== 200) throw new Error(`login page answered ${page.status}`);
  const fields = { ...hiddenFields(await page.text()), email: target.email, password: target.password };
  const posted = await send(new URL('/u/login', target.origin).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });
  const callback = new URL(expectRedirect(posted, 'POST /u/login'));
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code at the callback: ${callback.searchParams.get('error') ?? callback.toString()}`);

  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: target.redirectUri,
    code_verifier: verifier,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const secret = target.clientSecret ?? '';
  if (target.authMethod === 'client_secret_basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(target.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  } else {
    body.set('client_id', target.clientId);
    if (target.authMethod === 'client_secret_post') body.set('client_secret', secret);
  }
  const tokens = await fetcher(new URL('/oauth/token', target.origin).toString(), {
    method: 'POST',
    headers,
    body: body.toString(),
  });
  if (tokens.status !== 200) throw new Error(`/oauth/token answered ${tokens.status}: ${await tokens.text()}`);
  const answer = (await tokens.json()) as { access_token?: unknown };
  if (typeof answer.access_token !== 'string') throw new Error('/oauth/token answered no access_token');
  return answer.access_token;
}

function expectRedirect(response: Response, step: string): string {
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null)
    throw new Error(`${step} answered ${response.status}, not a redirect`);
  return location;
}

/** The hidden fields of the login form (state, csrf, connection), unescaped. */
function hiddenFields(html: string): Record<string, string> {
  const unescape = (text: string): string =>
    text.replace(
      /&(amp|lt|gt|quot|#39);/g,
      (_m, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[entity] ?? '',
    );
  return Object.fromEntries(
    [...html.matchAll(/<input\s+type="hidden"\s+name="([^"]+)"\s+value="([^"]*)"\s*\/?>/g)].map((m) => [
      m[1] ?? '',
      unescape(m[2] ?? ''),
    ]),
  );
}

export interface Measured {
  ms: number;
  error?: string;
}

export async function timeOne(fn: () => Promise<void>): Promise<Measured> {
  const start = process.hrtime.bigint();
  try {
    await fn();
    return { ms: Number(process.hrtime.bigint() - start) / 1e6 };
  } catch (error) {
    return {
      ms: Number(process.hrtime.bigint() - start) / 1e6,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function timed(runs: number, fn: () => Promise<void>): Promise<Measured[]> {
  const results: Measured[] = [];
  for (let i = 0; i < runs; i++) results.push(await timeOne(fn));
  return results;
}

/** Percentiles over the successful runs; errors counted apart. */
export function summarize(results: Measured[]): Timing {
  const ok = percentiles(results.flatMap((result) => (result.error === undefined ? [result.ms] : [])));
  return {
    runs: results.length,
    errors: results.length - ok.runs,
    p50Ms: ok.p50,
    p99Ms: ok.p99,
    meanMs: ok.runs === 0 ? NaN : ok.mean,
  };
}
