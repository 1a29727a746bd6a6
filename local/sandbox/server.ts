import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { adminApi, deployClientOnly } from './admin';
import { managementAuth, registerTokenEndpoint, TokenSigner, type TenantEndpoint } from './auth';
import { ensureDeployClient, ensureGlobalClient, type DeployClientCredentials } from './bootstrap';
import { emailRoutes, Mailer, Outbox } from './email';
import { startSmtpIngress, type SmtpIngress } from './email/smtp-ingress';
import { ApiError } from './errors';
import { FaultInjector, type FaultRule } from './faults';
import { LoginEngine } from './login/engine';
import { caFetch } from './login/fetch';
import { loginRoutes } from './login/routes';
import { clientErrorHandler, createOidcProvider, OidcStore } from './oidc';
import { managementApi } from './management-api';
import { MANAGEMENT_API_SCOPES } from './management-api/scopes';
import { formatValidationError } from './management-api/validation';
import type { RequestLog } from './request-log';
import { DEFAULT_STATE_DIR, prepareStateDir, type ResetMode } from './state';
import { openStore, type Store } from './store';
import { loadOrCreateTls, type TlsMaterial } from './tls';

export const DEFAULT_PORT = 8443;
/** The SMTP ingress's port when the sandbox runs for people (npm start, npm run sandbox); tests take a free one. */
export const DEFAULT_SMTP_PORT = 2525;
export const HOST = '127.0.0.1';
const TENANT_NAME = 'sandbox';

export interface SandboxOptions {
  /** State folder (database, keys, certificates); default `.sandbox/` at the repository root. */
  stateDir?: string;
  /** Wipe the state folder first (`'tenant'`: all but the CA and keys). */
  reset?: ResetMode;
  /** 0 picks a free port (tests). Default DEFAULT_PORT. */
  port?: number;
  faults?: readonly FaultRule[];
  /** How long a created or updated Action stays `pending` before it is `built`. Default 200 ms. */
  actionBuildDelayMs?: number;
  /** How long a login suspended by a redirect waits for its /continue. Default 15 minutes. */
  pendingLoginTtlMs?: number;
  /** Called once per response with what was served (no bodies, no headers, no query string). */
  log?: RequestLog;
  /** The SMTP ingress's port on 127.0.0.1 (email/smtp-ingress.ts). Default 0: a free one. */
  smtpPort?: number;
}

export interface Sandbox {
  /** `127.0.0.1:<port>`: what AUTH0_DOMAIN is set to. */
  readonly domain: string;
  readonly url: string;
  readonly port: number;
  readonly stateDir: string;
  /** The local CA certificate to trust (NODE_EXTRA_CA_CERTS, or `ca` for https/undici). */
  readonly caPath: string;
  readonly managementAudience: string;
  readonly deployClient: DeployClientCredentials & { credentialsPath: string };
  readonly store: Store;
  readonly faults: FaultInjector;
  /** `smtp://127.0.0.1:<port>`: where services send their emails into the outbox. */
  readonly smtpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the sandbox tenant: HTTPS on 127.0.0.1, Management API under /api/v2, /oauth/token, and
 * logins through the deployed Actions (/sandbox/login, /continue).
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const paths = prepareStateDir(options.stateDir ?? DEFAULT_STATE_DIR, { reset: options.reset ?? false });
  const tls = await loadOrCreateTls(paths);
  const store = openStore(paths.database, {
    tenantName: TENANT_NAME,
    actionBuildDelayMs: options.actionBuildDelayMs ?? 200,
  });
  const signer = new TokenSigner(paths.signingKey);
  const faults = new FaultInjector(options.faults);

  // The domain includes the port, known only after listen; routes read it through this holder.
  const listening: { endpoint?: TenantEndpoint & { domain: string } } = {};
  let deployClientId = '';
  const endpoint = (): TenantEndpoint & { domain: string } => {
    if (!listening.endpoint) throw new ApiError(503, 'The sandbox is still starting');
    return listening.endpoint;
  };

  const app = buildApp({
    tls,
    store,
    signer,
    faults,
    endpoint,
    deployClientId: () => deployClientId,
    log: options.log,
    pendingLoginTtlMs: options.pendingLoginTtlMs,
  });
  try {
    await app.listen({ port: options.port ?? DEFAULT_PORT, host: HOST });
  } catch (error) {
    store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${options.port ?? DEFAULT_PORT} on ${HOST} is in use; set SANDBOX_PORT to another port`, {
        cause: error,
      });
    }
    throw error;
  }
  let smtp: SmtpIngress;
  try {
    smtp = await startSmtpIngress({ outbox: new Outbox(store.db), host: HOST, port: options.smtpPort ?? 0 });
  } catch (error) {
    await app.close();
    store.close();
    throw new Error(`The sandbox's SMTP port ${options.smtpPort ?? 0} on ${HOST} is not available`, { cause: error });
  }
  const { port } = app.server.address() as AddressInfo;
  const domain = `${HOST}:${port}`;
  const managementAudience = `https://${domain}/api/v2/`;
  store.resourceServers.ensureManagementApi(
    managementAudience,
    MANAGEMENT_API_SCOPES.map((value) => ({ value })),
  );
  ensureGlobalClient(store);
  const deployClient = ensureDeployClient(store, paths.deployClient, managementAudience);
  deployClientId = deployClient.client_id;
  listening.endpoint = { domain, issuer: `https://${domain}/`, managementAudience };

  return {
    domain,
    url: `https://${domain}`,
    port,
    stateDir: paths.dir,
    caPath: tls.caPath,
    managementAudience,
    deployClient: { ...deployClient, credentialsPath: paths.deployClient },
    store,
    faults,
    smtpUrl: smtp.url,
    close: async () => {
      await smtp.close();
      await app.close();
      store.close();
    },
  };
}

interface AppDependencies {
  tls: TlsMaterial;
  store: Store;
  signer: TokenSigner;
  faults: FaultInjector;
  endpoint: () => TenantEndpoint & { domain: string };
  deployClientId: () => string;
  log: RequestLog | undefined;
  pendingLoginTtlMs: number | undefined;
}

function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({
    https: { key: deps.tls.key, cert: deps.tls.cert },
    // Payloads are validated strictly: no stripping of unknown fields, no type coercion
    // (query strings are coerced per schema in management-api/validation.ts).
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allErrors: false,
        verbose: true,
        allowUnionTypes: true,
      },
    },
    schemaErrorFormatter: formatValidationError,
    bodyLimit: 1024 * 1024,
    // Path ids are URL-encoded: a user id (provider prefix + up to 255 characters, which POST /users
    // allows) can take ~800 characters encoded; Fastify's default (100) sent longer ones to the catch-all.
    routerOptions: { maxParamLength: 2048 },
    // A request head over Node's 16 KB (an /authorize URL with a huge state) gets an error page.
    clientErrorHandler,
  });

  // Faults come first so they can hit any path, /oauth/token included, before authentication.
  app.addHook('onRequest', deps.faults.hook);
  if (deps.log) {
    const log = deps.log;
    app.addHook('onResponse', async (request, reply) => {
      log({
        method: request.method,
        path: request.url.split('?')[0] ?? '',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      });
    });
  }

  // The SDK sends some body-less POSTs (e.g. deploy) with a JSON content type.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else void parseJson(request, body as string, done);
  });
  void app.register(formbody);
  void app.register(cookie);

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.body);
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return reply.code(400).send(new ApiError(400, 'Invalid request payload JSON format', 'invalid_body').body);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(new ApiError(error.statusCode, error.message).body);
    }
    // A bug in the sandbox, not a modelled Auth0 error: say so where the operator looks.
    process.stderr.write(
      `sandbox: unexpected error on ${request.method} ${request.url.split('?')[0]}: ${error.stack ?? error.message}\n`,
    );
    return reply.code(500).send(new ApiError(500, 'An internal server error occurred').body);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(new ApiError(404, 'Not Found').body));

  const authenticate = managementAuth(deps.signer, deps.endpoint);
  const oidcStore = new OidcStore(deps.store.db);
  void app.register(managementApi, {
    prefix: '/api/v2',
    context: { store: deps.store, oidc: oidcStore, endpoint: deps.endpoint },
    authenticate,
  });
  void app.register(adminApi, {
    prefix: '/sandbox',
    faults: deps.faults,
    authenticate,
    deployClientId: deps.deployClientId,
  });

  // Logins run the deployed Actions, whose Management API calls come back here over HTTPS.
  const actionFetch = caFetch(readFileSync(deps.tls.caPath));
  app.addHook('onClose', async () => actionFetch.close());
  const outbox = new Outbox(deps.store.db);
  const mailer = new Mailer(deps.store, outbox, deps.endpoint);
  const engine = new LoginEngine({
    store: deps.store,
    signer: deps.signer,
    endpoint: deps.endpoint,
    fetch: actionFetch.fetch,
    tenantName: TENANT_NAME,
    onAccountBlocked: (user, block) =>
      mailer.sendEmail({ template: 'blocked_account', user, location: { source_ip: block.ip } }),
    ...(deps.pendingLoginTtlMs !== undefined ? { pendingTtlMs: deps.pendingLoginTtlMs } : {}),
  });
  const oidc = createOidcProvider({
    store: deps.store,
    oidc: oidcStore,
    signer: deps.signer,
    engine,
    mailer,
    endpoint: deps.endpoint,
  });
  registerTokenEndpoint(app, deps.store, deps.signer, deps.endpoint, oidc.tokenGrants);
  void app.register(oidc.routes, oidc.routeOptions);
  void app.register(emailRoutes, {
    store: deps.store,
    outbox,
    mailer,
    endpoint: deps.endpoint,
    endSessions: (userId) => oidcStore.deleteSessionsOf(userId),
    requireDeployClient: deployClientOnly(authenticate, deps.deployClientId),
    deployClientId: deps.deployClientId,
  });
  void app.register(loginRoutes, {
    engine,
    endpoint: deps.endpoint,
    requireDeployClient: deployClientOnly(authenticate, deps.deployClientId),
    resumeAuthorization: oidc.resumeAuthorization,
    continueAllowed: oidc.continueAllowed,
  });
  return app;
}
