import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import type { Client, OutboxEmail } from '../../local/sandbox';
import { statePaths } from '../../local/sandbox/state';
import { parseSmtpUrl } from '../../account/config';
import { buildAccountApp } from '../../account/server';
import { trustSandboxCa } from '../../tooling/account-service/sandbox';
import { projectPaths } from '../../tooling/paths';
import { freePort } from '../sandbox/helpers';
import { deployAction, TERMS_VERSION } from '../sandbox/login-fixtures';
import { startOidcSandbox, type OidcSandbox } from '../sandbox/oidc-fixtures';
import { accountConfig, CONTENT_DIR } from './helpers';

/**
 * The account service on a real port in front of a sandbox tenant (the project's four Actions,
 * a relying party), with tenant.yaml's `Account Service` client (`account_service: "true"`),
 * prompt-account-linking sending its offers to this service's /link and enforce-terms to its /terms.
 */

/** The account service's From in these tests; its emails reach the sandbox's SMTP ingress. */
export const MAIL_FROM = 'Acme Account <account@acme.example>';

/** The profile API's audience in these tests (tenant.yaml's PROFILE_API_AUDIENCE). */
export const PROFILE_API = 'https://profile-api.sandbox.test';
/** The Profile SPA's origin (tenant.yaml's PROFILE_WEB_ORIGINS): the profile API answers it CORS. */
export const PROFILE_SPA_ORIGIN = 'http://localhost:3001';

export interface LinkingSetup {
  ctx: OidcSandbox;
  account: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  accountUrl: string;
  accountClient: Client & { client_secret: string };
  linkingSecret: string;
  /** The service's log lines (JSON), when started with `captureLogs`. */
  logs: string[];
  /** The service's clock is Date.now() + offsetMs (the tenant's stays real). */
  clock: { offsetMs: number };
  close(): Promise<void>;
}

/** The scopes tenant.yaml grants the `Account Service M2M` client on the Management API. */
function accountServiceM2mScopes(): string[] {
  const tenant = parse(readFileSync(projectPaths().tenantFile, 'utf8')) as {
    clientGrants?: { client_id?: unknown; scope?: unknown }[];
  };
  const scope = tenant.clientGrants?.find((grant) => grant.client_id === 'Account Service M2M')?.scope;
  if (!Array.isArray(scope) || !scope.every((item) => typeof item === 'string'))
    throw new Error('tenant.yaml grants the Account Service M2M client no scopes');
  return scope;
}

/**
 * `tls`: the service behind https with the sandbox's own certificate (what a load balancer does in
 * production), same-site with the sandbox. Without it the service is plain http on loopback,
 * another site than https://127.0.0.1 (schemes count): the sandbox's transaction cookies are
 * `SameSite=None` like Auth0's, so its pages post to /continue from there as well.
 */
export async function startLinkingSetup(options: { tls?: boolean; captureLogs?: boolean } = {}): Promise<LinkingSetup> {
  const ctx = await startOidcSandbox();
  // The service's auth0 SDK takes no fetch of its own: the process trusts the sandbox's CA, as npm start does.
  const untrust = trustSandboxCa(ctx.sandbox.caPath);
  const { store } = ctx.sandbox;
  const port = await freePort();
  const accountUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const accountClient = store.clients.create({
    name: 'Account Service',
    app_type: 'regular_web',
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
    callbacks: [`${accountUrl}/link/callback`, `${accountUrl}/profile/callback`],
    allowed_logout_urls: [`${accountUrl}/`],
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 600 },
    client_metadata: { account_service: 'true' },
  }) as Client & { client_secret: string };
  for (const name of ['customers', 'google-oauth2']) {
    const connection = store.connections.getByName(name);
    if (!connection) throw new Error(`no ${name} connection`);
    store.connections.changeEnabledClients(connection.id, [{ client_id: accountClient.client_id, status: true }]);
  }
  // prompt-account-linking with this service's /link and its own secret (not the terms page's).
  const linkingSecret = randomBytes(32).toString('base64url');
  const m2m = store.clients.list().find((client) => client.name === 'Account Linking M2M');
  if (!m2m) throw new Error('no Account Linking M2M client');
  deployAction(
    ctx.sandbox,
    'prompt-account-linking',
    readFileSync(join(projectPaths().distDir, 'prompt-account-linking.js'), 'utf8'),
    {
      LINKING_URL: `${accountUrl}/link`,
      SESSION_TOKEN_SECRET: linkingSecret,
      MGMT_DOMAIN: ctx.sandbox.domain,
      MGMT_CLIENT_ID: m2m.client_id,
      MGMT_CLIENT_SECRET: m2m.client_secret ?? '',
      LINKING_COOLDOWN_DAYS: '30',
    },
  );
  // enforce-terms with this service's /terms (its secret is the one the service is configured with).
  deployAction(ctx.sandbox, 'enforce-terms', readFileSync(join(projectPaths().distDir, 'enforce-terms.js'), 'utf8'), {
    TERMS_VERSION,
    TERMS_URL: `${accountUrl}/terms`,
    SESSION_TOKEN_SECRET: ctx.sessionSecret,
    TERMS_GRACE_UNTIL: '1970-01-01T00:00:00Z',
  });
  store.resourceServers.create({
    identifier: PROFILE_API,
    name: 'Profile API',
    scopes: [{ value: 'read:profile' }, { value: 'update:profile' }],
  });
  // The profile pages' least-privilege Management API client, with tenant.yaml's grant.
  const profileM2m = store.clients.create({
    name: 'Account Service M2M',
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
  });
  store.clientGrants.create({
    client_id: profileM2m.client_id,
    audience: ctx.sandbox.managementAudience,
    scope: accountServiceM2mScopes(),
  });
  const clock = { offsetMs: 0 };
  const logs: string[] = [];
  const account = await buildAccountApp(
    accountConfig({
      tenantOrigin: `https://${ctx.sandbox.domain}`,
      termsSessionSecret: ctx.sessionSecret,
      termsContentDir: CONTENT_DIR,
      accountClient: {
        baseUrl: accountUrl,
        clientId: accountClient.client_id,
        clientSecret: accountClient.client_secret,
      },
      linkingSessionSecret: linkingSecret,
      management: {
        domain: ctx.sandbox.domain,
        clientId: profileM2m.client_id,
        clientSecret: profileM2m.client_secret ?? '',
      },
      profileApiAudience: PROFILE_API,
      mail: { smtp: smtpTransport(ctx.sandbox.smtpUrl), from: MAIL_FROM },
      profileApiOrigins: [PROFILE_SPA_ORIGIN],
    }),
    {
      tenantFetch: ctx.caFetch.fetch,
      now: () => Date.now() + clock.offsetMs,
      ...(options.captureLogs ? { logger: true, logStream: { write: (line: string) => logs.push(line) } } : {}),
    },
  );
  let tlsServer: Server | undefined;
  if (options.tls) {
    await account.ready();
    const paths = statePaths(ctx.sandbox.stateDir);
    const server = createHttpsServer(
      { cert: readFileSync(paths.serverCert), key: readFileSync(paths.serverKey) },
      (request, response) => account.routing(request, response),
    );
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    tlsServer = server;
  } else {
    await account.listen({ host: '127.0.0.1', port });
  }
  return {
    ctx,
    account,
    accountUrl,
    accountClient,
    linkingSecret,
    logs,
    clock,
    close: async () => {
      if (tlsServer) {
        tlsServer.closeAllConnections();
        await new Promise((resolve) => tlsServer?.close(resolve));
      }
      await account.close();
      await ctx.close();
      untrust();
    },
  };
}

function smtpTransport(url: string) {
  const smtp = parseSmtpUrl(url);
  if (!smtp) throw new Error(`the sandbox's SMTP URL is not one the service accepts: ${url}`);
  return smtp;
}

/** The sandbox outbox's emails to `to`, newest first, through its JSON API (the deploy client's Basic auth). */
export async function outboxTo(setup: LinkingSetup, to: string): Promise<OutboxEmail[]> {
  const { sandbox, caFetch } = setup.ctx;
  const basic = Buffer.from(`${sandbox.deployClient.client_id}:${sandbox.deployClient.client_secret}`).toString(
    'base64',
  );
  const response = await caFetch.fetch(`${sandbox.url}/sandbox/outbox.json?${new URLSearchParams({ to }).toString()}`, {
    headers: { authorization: `Basic ${basic}` },
  });
  if (!response.ok) throw new Error(`the outbox answered ${response.status}`);
  return (await response.json()) as OutboxEmail[];
}
