import {
  outcomeHeadline,
  pageOf,
  sessionTokenPayload,
  type JsonObject,
  type LoginRequest,
  type LoginResponse,
  type SandboxClient,
  type User,
} from '../../local/sandbox';
import { JourneyBrowser, type Page } from './browser';

/**
 * The main journeys of the deployed tenant, run as logins over HTTP against a sandbox where
 * tenant/tenant.yaml is deployed and the account service runs: what `npm start` shows and the e2e
 * test checks. A login starts at the sandbox's login API; where an Action sends the browser to the
 * consent or linking page, the journey answers the service's page as a browser would (its form with
 * the CSRF field; for linking, the nested login at the tenant with the offered account's password),
 * then submits the answer page's form to the sandbox's /continue as an API client, to read the
 * login's result. Each journey checks its own expectations and says what went differently.
 */

export const WEB_APP = 'Customer Web App';
export const DATABASE = 'customers';
export const GOOGLE = 'google-oauth2';

export const SEEDED = {
  existing: 'existing@example.com',
  returning: 'returning@example.com',
  blocked: 'blocked@example.com',
} as const;

/** The Google account of the first journey: a new identity with the existing user's verified email. */
export const NEW_GOOGLE_PROFILE = {
  sub: '104200000000000000001',
  email: SEEDED.existing,
  email_verified: true,
  name: 'Existing Customer',
  picture: 'https://lh3.googleusercontent.com/a/sandbox-existing',
};

/** What seeding the journeys' users needs. */
export interface SeedContext {
  client: SandboxClient;
  /** Management API token of the deploy client (also what POST /sandbox/login needs). */
  token: string;
  /** TERMS_VERSION as deployed. */
  termsVersion: string;
  /** The seeded database users' password (demoUserPassword of the state folder). */
  password: string;
}

export interface JourneyContext extends SeedContext {
  /** Requests the sandbox served on /api/v2 and /oauth/token so far (its request log). */
  managementCalls(): number;
  /** The Actions' pages as deployed (LINKING_URL, TERMS_URL): the account service's. */
  pages: { link: string; terms: string };
  /** The fetch a browser uses for the sandbox (it trusts the sandbox's CA). */
  sandboxFetch: typeof fetch;
}

export type SeededUsers = Record<keyof typeof SEEDED, string>;

export interface JourneyResult {
  name: string;
  ok: boolean;
  /** What happened, step by step, for people. */
  steps: string[];
  /** Expectations that did not hold (empty when ok). */
  problems: string[];
  /** The login's last answer. */
  final?: LoginResponse;
  /** Management API requests the Actions made during this journey's logins. */
  managementCalls: number;
}

/** Seeds the journeys' users through the Management API; returns their ids. */
export async function seedUsers(ctx: SeedContext): Promise<SeededUsers> {
  const clients = await api<{ client_id: string; name: string }[]>(
    ctx,
    'GET',
    '/api/v2/clients?fields=client_id,name&per_page=100',
  );
  const webApp = clients.find((client) => client.name === WEB_APP);
  if (!webApp) throw new Error(`no "${WEB_APP}" client: is tenant.yaml deployed?`);
  const now = new Date().toISOString();
  const create = async (email: string, name: string, appMetadata: JsonObject): Promise<string> => {
    const user = await api<User>(ctx, 'POST', '/api/v2/users', {
      connection: DATABASE,
      email,
      password: ctx.password,
      email_verified: true,
      name,
      app_metadata: appMetadata,
    });
    return user.user_id;
  };
  return {
    // Will be offered for linking when a new Google identity with the same verified email logs in.
    existing: await create(SEEDED.existing, 'Existing Customer', {}),
    // Accepted the current terms; the last look for accounts to link found none (cooldown running).
    returning: await create(SEEDED.returning, 'Returning Customer', {
      terms: { version: ctx.termsVersion, accepted_at: now },
      account_linking: { status: 'no_candidates', checked_at: now },
    }),
    // Blocked from the web app; would otherwise be asked for the terms.
    blocked: await create(SEEDED.blocked, 'Blocked Customer', { blocked_apps: [webApp.client_id] }),
  };
}

export interface Journey {
  name: string;
  run(ctx: JourneyContext, users: SeededUsers, run: JourneyRun): Promise<void>;
}

export const JOURNEYS: readonly Journey[] = [
  {
    name: 'New Google user with the email of an existing account → linking page → terms page → ID token',
    async run(ctx, users, run) {
      const first = await run.login(ctx, {
        client: WEB_APP,
        connection: GOOGLE,
        flow: 'interactive',
        profile: NEW_GOOGLE_PROFILE,
      });
      if (!run.expectPage(first, ctx.pages.link)) return;
      const browser = journeyBrowser(ctx);
      const linking = await browser.open(first.url);
      // "Sign in and link": the nested login at the tenant, for the offered account.
      const login = await browser.submit(linking, { action: '/link', button: { name: 'answer', value: 'prove' } });
      const linked = await browser.submit(
        login,
        { action: '/u/login' },
        { email: SEEDED.existing, password: ctx.password },
      );
      run.step(`linking page: signed in to ${SEEDED.existing} at the tenant (the proof), signed {link_to}`);
      const second = await run.continue(ctx, browser, linked);
      if (!run.expectPage(second, ctx.pages.terms)) return;
      const version = sessionTokenPayload(second.url).terms_version;
      run.check(
        version === ctx.termsVersion,
        `the terms page was asked for version ${String(version)}, not ${ctx.termsVersion}`,
      );
      const final = await run.continue(
        ctx,
        browser,
        await run.acceptTerms(browser, second, `terms page: accepted version ${String(version)}`),
      );
      if (!run.expectOutcome(final, 'allowed')) return;
      run.check(
        final.claims.sub === users.existing,
        `the ID token is for ${final.claims.sub}, not the existing account ${users.existing}`,
      );
      const stored = await api<User>(ctx, 'GET', `/api/v2/users/${encodeURIComponent(users.existing)}`);
      const identities = stored.identities.map((identity) => identity.provider).join(' + ');
      run.step(
        `stored: ${users.existing} now has identities ${identities}; terms ${JSON.stringify(stored.app_metadata.terms)}`,
      );
      run.check(
        identities === 'auth0 + google-oauth2',
        `the existing user's identities are ${identities}, not auth0 + google-oauth2`,
      );
      const terms = stored.app_metadata.terms as { version?: string } | undefined;
      run.check(
        terms?.version === ctx.termsVersion,
        'the terms acceptance was not recorded on the existing (primary) user',
      );
    },
  },
  {
    name: 'Returning user → ID token at once, no Management API call',
    async run(ctx, users, run) {
      const response = await run.login(ctx, {
        client: WEB_APP,
        connection: DATABASE,
        flow: 'interactive',
        email: SEEDED.returning,
        password: ctx.password,
      });
      if (!run.expectOutcome(response, 'allowed')) return;
      run.check(response.user_id === users.returning, `allowed as ${response.user_id}, not ${users.returning}`);
      run.check(
        run.managementCalls === 0,
        `the Actions made ${run.managementCalls} Management API calls, expected none`,
      );
    },
  },
  {
    name: 'Blocked app → denied app_blocked before any prompt',
    async run(ctx, _users, run) {
      const response = await run.login(ctx, {
        client: WEB_APP,
        connection: DATABASE,
        flow: 'interactive',
        email: SEEDED.blocked,
        password: ctx.password,
      });
      if (!run.expectOutcome(response, 'denied')) return;
      run.check(
        response.error_description === 'app_blocked',
        `denied ${response.error_description}, expected app_blocked`,
      );
      const ran = response.executed.map((e) => e.action).join(',');
      run.check(ran === 'gate-apps', `Actions that ran: ${ran}; expected gate-apps only`);
    },
  },
  {
    name: 'Terms bump → the returning user is asked again, accepts, ID token',
    async run(ctx, users, run) {
      const next = bumpedVersion(ctx.termsVersion);
      await deployTermsVersion(ctx, next);
      run.step(
        `deployed enforce-terms with TERMS_VERSION ${next} (its secret changed through the Management API, then deployed)`,
      );
      const first = await run.login(ctx, {
        client: WEB_APP,
        connection: DATABASE,
        flow: 'interactive',
        email: SEEDED.returning,
        password: ctx.password,
      });
      if (!run.expectPage(first, ctx.pages.terms)) return;
      const version = sessionTokenPayload(first.url).terms_version;
      run.check(version === next, `the terms page was asked for version ${String(version)}, not ${next}`);
      const browser = journeyBrowser(ctx);
      const final = await run.continue(
        ctx,
        browser,
        await run.acceptTerms(browser, first, `terms page: accepted version ${String(version)}`),
      );
      if (!run.expectOutcome(final, 'allowed')) return;
      const stored = await api<User>(ctx, 'GET', `/api/v2/users/${encodeURIComponent(users.returning)}`);
      const terms = stored.app_metadata.terms as { version?: string } | undefined;
      run.check(terms?.version === next, `stored terms version is ${String(terms?.version)}, not ${next}`);
    },
  },
];

export async function runJourneys(
  ctx: JourneyContext,
  users: SeededUsers,
  journeys: readonly Journey[] = JOURNEYS,
): Promise<JourneyResult[]> {
  const results: JourneyResult[] = [];
  for (const journey of journeys) {
    const run = new JourneyRun();
    try {
      await journey.run(ctx, users, run);
    } catch (error) {
      run.check(false, error instanceof Error ? error.message : String(error));
    }
    results.push({
      name: journey.name,
      ok: run.problems.length === 0,
      steps: run.steps,
      problems: run.problems,
      managementCalls: run.managementCalls,
      ...(run.final ? { final: run.final } : {}),
    });
  }
  return results;
}

/** One journey's steps, checks and Management API count. */
export class JourneyRun {
  readonly steps: string[] = [];
  readonly problems: string[] = [];
  managementCalls = 0;
  final: LoginResponse | undefined;

  step(text: string): void {
    this.steps.push(text);
  }

  check(ok: boolean, problem: string): boolean {
    if (!ok) this.problems.push(problem);
    return ok;
  }

  expectOutcome<O extends LoginResponse['outcome']>(
    response: LoginResponse,
    outcome: O,
  ): response is Extract<LoginResponse, { outcome: O }> {
    return this.check(response.outcome === outcome, `expected ${outcome}, got ${outcomeHeadline(response)}`);
  }

  /** The login sent the browser to `page` (an Action's page URL, without its query). */
  expectPage(response: LoginResponse, page: string): response is Extract<LoginResponse, { outcome: 'redirect' }> {
    if (!this.expectOutcome(response, 'redirect')) return false;
    return this.check(pageOf(response.url) === page, `redirected to ${pageOf(response.url)}, expected ${page}`);
  }

  async login(ctx: JourneyContext, request: LoginRequest): Promise<LoginResponse> {
    const response = await this.counted(ctx, () => api<LoginResponse>(ctx, 'POST', '/sandbox/login', request));
    const how = request.profile
      ? `${request.connection} (${request.profile.email ?? request.profile.sub})`
      : `${request.connection} (${request.email ?? request.user ?? ''})`;
    this.step(`login ${request.flow} to ${request.client} with ${how} → ${outcomeHeadline(response)}`);
    this.final = response;
    return response;
  }

  /** The consent page: opened from the Action's redirect, "Accept" pressed; resolves to the answer page. */
  async acceptTerms(
    browser: JourneyBrowser,
    redirect: Extract<LoginResponse, { outcome: 'redirect' }>,
    what: string,
  ): Promise<Page> {
    const page = await browser.open(redirect.url);
    const answered = await browser.submit(page, { action: '/terms', button: { name: 'answer', value: 'accept' } });
    this.step(what);
    return answered;
  }

  /** The answer page's form, submitted to the sandbox's /continue (as an API client: the login's result as JSON). */
  async continue(ctx: JourneyContext, browser: JourneyBrowser, answer: Page): Promise<LoginResponse> {
    const response = await this.counted(ctx, async () => {
      const result = await browser.submitForJson<LoginResponse>(answer, { action: `${ctx.client.url}/continue` });
      if (result.status !== 200) throw new Error(`/continue answered ${result.status}: ${JSON.stringify(result.body)}`);
      return result.body;
    });
    this.step(`/continue → ${outcomeHeadline(response)}`);
    this.final = response;
    return response;
  }

  private async counted<T>(ctx: JourneyContext, work: () => Promise<T>): Promise<T> {
    const before = ctx.managementCalls();
    try {
      return await work();
    } finally {
      this.managementCalls += ctx.managementCalls() - before;
    }
  }
}

/** A browser of its own for a journey: the sandbox and the account service's pages. */
function journeyBrowser(ctx: JourneyContext): JourneyBrowser {
  const origins = [ctx.client.url, new URL(ctx.pages.link).origin, new URL(ctx.pages.terms).origin];
  return new JourneyBrowser(ctx.sandboxFetch, [...new Set(origins)]);
}

/** `2026-01` → `2026-02`; any other version gets `.1` appended. */
export function bumpedVersion(version: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(version);
  if (!month) return `${version}.1`;
  const next = new Date(Date.UTC(Number(month[1]), Number(month[2]), 1));
  return `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * A new TERMS_VERSION for the deployed enforce-terms, the way an operator would roll it out
 * without a full deploy: change that one secret (the others keep their values) and deploy the
 * Action, retrying while Auth0 (here: the sandbox) is still building it.
 */
export async function deployTermsVersion(ctx: SeedContext, version: string): Promise<void> {
  const listed = await api<{ actions: { id: string; secrets: { name: string }[] }[] }>(
    ctx,
    'GET',
    '/api/v2/actions/actions?actionName=enforce-terms',
  );
  const action = listed.actions[0];
  if (!action) throw new Error('enforce-terms is not deployed');
  const secrets = action.secrets.map(({ name }) => (name === 'TERMS_VERSION' ? { name, value: version } : { name }));
  await api(ctx, 'PATCH', `/api/v2/actions/actions/${action.id}`, { secrets });
  for (let attempt = 0; ; attempt++) {
    const deployed = await ctx.client.request<{ errorCode?: string }>(
      'POST',
      `/api/v2/actions/actions/${action.id}/deploy`,
      { token: ctx.token },
    );
    if (deployed.status === 200) return;
    if (deployed.body.errorCode !== 'action_not_built' || attempt >= 100)
      throw new Error(`deploying enforce-terms failed: HTTP ${deployed.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function api<T>(ctx: SeedContext, method: string, path: string, json?: unknown): Promise<T> {
  const response = await ctx.client.request<T>(method, path, {
    token: ctx.token,
    ...(json !== undefined ? { json } : {}),
  });
  if (response.status < 200 || response.status >= 300)
    throw new Error(`${method} ${path.split('?')[0]} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}
