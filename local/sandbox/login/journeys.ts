import type { SandboxClient } from '../client';
import type { JsonObject, User } from '../store';
import { outcomeHeadline, pageOf, sessionTokenPayload } from './format';
import type { LoginRequest, LoginResponse, PageAnswer } from './types';

/**
 * The main journeys of the deployed tenant, run as logins over HTTP against a sandbox where
 * tenant/tenant.yaml is deployed: what `npm start` shows and the e2e test checks. The pages are
 * answered the way the reference pages are used by a browser (their POST, then /continue), as an
 * API client. Each journey checks its own expectations and says what went differently.
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

export interface JourneyContext {
  client: SandboxClient;
  /** Management API token of the deploy client (also what POST /sandbox/login needs). */
  token: string;
  /** Requests the sandbox served on /api/v2 and /oauth/token so far (its request log). */
  managementCalls(): number;
  /** TERMS_VERSION as deployed. */
  termsVersion: string;
  /** The seeded database users' password (demoUserPassword of the state folder). */
  password: string;
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
export async function seedUsers(ctx: JourneyContext): Promise<SeededUsers> {
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
      if (!run.expectPage(first, '/pages/link')) return;
      const linked = await run.answerPage(
        ctx,
        first,
        { connection: DATABASE, email: SEEDED.existing, password: ctx.password },
        `linking page: signed in to ${SEEDED.existing}, signed {link_to}`,
      );
      const second = await run.continue(ctx, linked);
      if (!run.expectPage(second, '/pages/terms')) return;
      const version = sessionTokenPayload(second.url).terms_version;
      run.check(
        version === ctx.termsVersion,
        `the terms page was asked for version ${String(version)}, not ${ctx.termsVersion}`,
      );
      const final = await run.continue(
        ctx,
        await run.answerPage(ctx, second, { answer: 'accept' }, `terms page: accepted version ${String(version)}`),
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
      if (!run.expectPage(first, '/pages/terms')) return;
      const version = sessionTokenPayload(first.url).terms_version;
      run.check(version === next, `the terms page was asked for version ${String(version)}, not ${next}`);
      const final = await run.continue(
        ctx,
        await run.answerPage(ctx, first, { answer: 'accept' }, `terms page: accepted version ${String(version)}`),
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

  expectPage(response: LoginResponse, path: string): response is Extract<LoginResponse, { outcome: 'redirect' }> {
    if (!this.expectOutcome(response, 'redirect')) return false;
    return this.check(
      new URL(response.url).pathname === path,
      `redirected to ${pageOf(response.url)}, expected ${path}`,
    );
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

  /** What the browser does on a reference page: POST the form; the page signs the answer. */
  async answerPage(
    ctx: JourneyContext,
    redirect: Extract<LoginResponse, { outcome: 'redirect' }>,
    form: Record<string, string>,
    what: string,
  ): Promise<PageAnswer> {
    const url = new URL(redirect.url);
    const fields = {
      session_token: url.searchParams.get('session_token') ?? '',
      state: url.searchParams.get('state') ?? '',
      ...form,
    };
    const answer = await ctx.client.request<PageAnswer | { error_description?: string }>('POST', url.pathname, {
      form: fields,
    });
    if (answer.status !== 200 || !('continue' in answer.body)) {
      throw new Error(
        `${url.pathname} answered ${answer.status}: ${'error_description' in answer.body ? String(answer.body.error_description) : ''}`,
      );
    }
    this.step(what);
    return answer.body;
  }

  /** The page's answer, posted to /continue. */
  async continue(ctx: JourneyContext, answer: PageAnswer): Promise<LoginResponse> {
    const response = await this.counted(ctx, async () => {
      const result = await ctx.client.request<LoginResponse>('POST', new URL(answer.continue.url).pathname, {
        form: answer.continue.fields,
      });
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
export async function deployTermsVersion(ctx: JourneyContext, version: string): Promise<void> {
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

async function api<T>(ctx: JourneyContext, method: string, path: string, json?: unknown): Promise<T> {
  const response = await ctx.client.request<T>(method, path, {
    token: ctx.token,
    ...(json !== undefined ? { json } : {}),
  });
  if (response.status < 200 || response.status >= 300)
    throw new Error(`${method} ${path.split('?')[0]} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}
