import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { Client, JsonObject, Sandbox, SandboxOptions, User } from '../../local/sandbox';
import { isManagementApiRequest } from '../../local/sandbox';
import type { LoginRequest, LoginResponse } from '../../local/sandbox/login/types';
import { signSessionToken } from '../../local/runtime';
import { projectPaths } from '../../tooling/paths';
import { call, deployToken, startTestSandbox, type HttpResult } from './helpers';

/**
 * A sandbox with the project's four Actions deployed straight into its store (no deploy-cli: that
 * is the e2e test's job), bound in tenant.yaml's order, with the secrets the Actions need and a
 * small tenant around them. Fast enough for one per test file.
 */

export const PASSWORD = 'Correct-Horse-9';
export const TERMS_VERSION = '2026-01';
export const ACTION_ORDER = ['gate-apps', 'prompt-account-linking', 'enforce-terms', 'override-profile'] as const;
/**
 * The Actions' pages: the account service's, which nothing serves here (the service and its pages
 * are tested in test/account). These tests answer for the page with `pageAnswer`.
 */
export const PAGES = { link: 'https://account.sandbox.test/link', terms: 'https://account.sandbox.test/terms' };

export interface LoginSandbox {
  sandbox: Sandbox;
  /** Deploy client token: what POST /sandbox/login needs. */
  token: string;
  sessionSecret: string;
  web: Client;
  spa: Client;
  /** An application allowed the password grant (the project's apps are not). */
  legacy: Client;
  /** Requests to /api/v2 and /oauth/token so far (the sandbox's request log). */
  managementCalls(): number;
  close(): Promise<void>;
}

export async function startLoginSandbox(
  options: Pick<SandboxOptions, 'pendingLoginTtlMs'> = {},
): Promise<LoginSandbox> {
  let managementCalls = 0;
  const sandbox = await startTestSandbox({
    ...options,
    actionBuildDelayMs: 0,
    log: (line) => {
      if (isManagementApiRequest(line)) managementCalls += 1;
    },
  });
  const { store } = sandbox;
  const web = store.clients.create({
    name: 'Customer Web App',
    app_type: 'regular_web',
    grant_types: ['authorization_code', 'refresh_token'],
    callbacks: ['http://localhost:3000/callback'],
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 3600 },
    client_metadata: { require_verified_email: 'true' },
  });
  const spa = store.clients.create({
    name: 'Profile SPA',
    app_type: 'spa',
    grant_types: ['authorization_code', 'refresh_token'],
    client_metadata: { terms_exempt: 'true' },
  });
  const legacy = store.clients.create({
    name: 'Legacy App',
    app_type: 'regular_web',
    grant_types: ['password', 'refresh_token'],
  });
  const linking = store.clients.create({
    name: 'Account Linking M2M',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  store.clientGrants.create({
    client_id: linking.client_id,
    audience: sandbox.managementAudience,
    scope: ['read:users', 'update:users'],
  });
  const apps = [web.client_id, spa.client_id, legacy.client_id];
  store.connections.create({
    name: 'customers',
    strategy: 'auth0',
    options: { passwordPolicy: 'good', brute_force_protection: true },
    enabled_clients: apps,
  });
  store.connections.create({
    name: 'google-oauth2',
    strategy: 'google-oauth2',
    options: { set_user_root_attributes: 'on_each_login' },
    enabled_clients: apps,
  });

  const sessionSecret = randomBytes(32).toString('base64url');
  const secrets: Record<(typeof ACTION_ORDER)[number], Record<string, string>> = {
    'gate-apps': {},
    'prompt-account-linking': {
      LINKING_URL: PAGES.link,
      SESSION_TOKEN_SECRET: sessionSecret,
      MGMT_DOMAIN: sandbox.domain,
      MGMT_CLIENT_ID: linking.client_id,
      MGMT_CLIENT_SECRET: linking.client_secret ?? '',
      LINKING_COOLDOWN_DAYS: '30',
    },
    'enforce-terms': {
      TERMS_VERSION,
      TERMS_URL: PAGES.terms,
      SESSION_TOKEN_SECRET: sessionSecret,
      TERMS_GRACE_UNTIL: '1970-01-01T00:00:00Z',
    },
    'override-profile': {},
  };
  for (const name of ACTION_ORDER)
    deployAction(sandbox, name, readFileSync(join(projectPaths().distDir, `${name}.js`), 'utf8'), secrets[name]);
  store.actions.replaceBindings(
    'post-login',
    ACTION_ORDER.map((name) => ({ ref: { type: 'action_name', value: name } })),
  );

  return {
    sandbox,
    token: await deployToken(sandbox),
    sessionSecret,
    web,
    spa,
    legacy,
    managementCalls: () => managementCalls,
    close: () => sandbox.close(),
  };
}

/** Creates (or updates) and deploys an Action in the store; the build is immediate here. */
export function deployAction(sandbox: Sandbox, name: string, code: string, secrets: Record<string, string>): void {
  const { actions } = sandbox.store;
  const secretList = Object.entries(secrets).map(([secretName, value]) => ({ name: secretName, value }));
  const existing = actions.getByName(name);
  const action = existing
    ? actions.update(existing.id, { code, secrets: secretList })
    : actions.create({
        name,
        code,
        runtime: 'node22',
        supported_triggers: [{ id: 'post-login', version: 'v3' }],
        secrets: secretList,
      });
  actions.deploy(action.id);
}

export function databaseUser(
  sandbox: Sandbox,
  email: string,
  extra: { app_metadata?: JsonObject; user_metadata?: JsonObject; email_verified?: boolean; blocked?: boolean } = {},
): User {
  return sandbox.store.users.create({
    connection: 'customers',
    email,
    password: PASSWORD,
    email_verified: extra.email_verified ?? true,
    ...extra,
  });
}

/** app_metadata of a user who accepted the current terms and whose linking lookup is in its cooldown. */
export function returningMetadata(version = TERMS_VERSION): JsonObject {
  const now = new Date().toISOString();
  return { terms: { version, accepted_at: now }, account_linking: { status: 'no_candidates', checked_at: now } };
}

export async function login(ctx: LoginSandbox, request: LoginRequest): Promise<LoginResponse> {
  const result = await call<LoginResponse>(ctx.sandbox, 'POST', '/sandbox/login', { token: ctx.token, body: request });
  if (result.status !== 200) throw new Error(`login answered ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
}

/** What the browser does with a page's answer: POST it to /continue (API client: JSON back). */
export async function postContinue(
  ctx: LoginSandbox,
  fields: Record<string, string>,
): Promise<HttpResult<LoginResponse>> {
  return call<LoginResponse>(ctx.sandbox, 'POST', '/continue', { form: fields });
}

/**
 * What an Action's page answers, for the tests of the login engine: the page's URL (the Action's
 * redirect) verified like the page does, then `payload` signed with the page's secret for the same
 * `sub` and `state`, as the fields its answer page posts to /continue. The account service's pages
 * do this for real (test/account).
 */
export function pageAnswer(
  ctx: Pick<LoginSandbox, 'sessionSecret'>,
  pageUrl: string,
  payload: JsonObject,
): { state: string; session_token: string } {
  const url = new URL(pageUrl);
  const state = url.searchParams.get('state') ?? '';
  const incoming = jwt.verify(url.searchParams.get('session_token') ?? '', ctx.sessionSecret, {
    algorithms: ['HS256'],
  }) as jwt.JwtPayload;
  if (typeof incoming.sub !== 'string' || state === '') throw new Error(`not an Action's page URL: ${pageUrl}`);
  return {
    state,
    session_token: signSessionToken({ secret: ctx.sessionSecret, subject: incoming.sub, state, payload }),
  };
}

/** Where a redirect sends the browser (the page's URL without its query), and its `session_token` and `state`. */
export function redirectParams(response: LoginResponse): { page: string; session_token: string; state: string } {
  if (response.outcome !== 'redirect') throw new Error(`expected a redirect, got ${JSON.stringify(response)}`);
  const url = new URL(response.url);
  return {
    page: `${url.origin}${url.pathname}`,
    session_token: url.searchParams.get('session_token') ?? '',
    state: url.searchParams.get('state') ?? '',
  };
}
