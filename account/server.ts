import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AccountConfig } from './config';
import { pickLocale } from './i18n';
import { errorPage, sendPage } from './pages';
import { registerWebSecurity } from './security/web';
import { loadTermsContent } from './terms/content';
import { linkingRoutes } from './linking/routes';
import { createRemoteJWKSet, customFetch } from 'jose';
import { apiRoutes } from './api/routes';
import { createProfileStore } from './management/users';
import { createTenantLogin } from './oidc/tenant-login';
import { profileRoutes } from './profile/routes';
import { deleteRoutes } from './profile/delete-routes';
import { emailRoutes } from './profile/email-routes';
import { termsRoutes } from './terms/routes';

/**
 * The account service: the pages a B2C tenant's post-login Actions send users to (today the
 * consent page and the linking page). Stateless: sessions live in encrypted cookies, so it runs as many instances as
 * needed behind a load balancer. See docs/account.md.
 */

export interface AccountAppOptions {
  /** Fastify's logger option; the service logs no token, state or personal data. */
  logger?: boolean;
  /** Where the log lines go when `logger` is on (default stdout), for tests. */
  logStream?: { write(line: string): void };
  /** The clock, for tests. */
  now?: () => number;
  /** The HTTP client for the tenant's OIDC endpoints (tests: one that trusts the sandbox's CA). */
  tenantFetch?: typeof fetch;
}

/** Sensitive posts per minute: per client address, and per user of a verified token (per instance). */
export const RATE_LIMITS = { perIpPerMinute: 30, perUserPerMinute: 10 } as const;

export async function buildAccountApp(
  config: AccountConfig,
  options: AccountAppOptions = {},
): Promise<FastifyInstance> {
  // Read before listening: a missing or empty terms text stops the start, not a login.
  const content = loadTermsContent(config.termsContentDir);
  const app = Fastify({
    // Query strings carry session tokens: request logs get the path only.
    logger: options.logger
      ? {
          ...(options.logStream ? { stream: options.logStream } : {}),
          serializers: {
            req: (request: FastifyRequest) => ({ method: request.method, path: request.url.split('?', 1)[0] }),
          },
        }
      : false,
    trustProxy: config.trustProxy,
  });
  await registerWebSecurity(app, { sessionKeys: config.sessionKeys, tenantOrigin: config.tenantOrigin });

  const localeOf = (request: { query: unknown; body: unknown; headers: { 'accept-language'?: string } }) => {
    const uiLocales = (value: unknown): unknown =>
      typeof value === 'object' && value !== null ? (value as { ui_locales?: unknown }).ui_locales : undefined;
    return pickLocale(uiLocales(request.body) ?? uiLocales(request.query), request.headers['accept-language']);
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const locale = localeOf(request);
    const status = error.statusCode ?? 500;
    if (status === 403) return sendPage(reply, locale, errorPage(locale, 'forbidden'));
    if (status === 429) return sendPage(reply, locale, errorPage(locale, 'tooMany'));
    if (status >= 400 && status < 500) return sendPage(reply, locale, errorPage(locale, 'invalidLink'));
    request.log.error({ err: { type: error.name, code: error.code } }, 'request failed');
    return sendPage(reply, locale, errorPage(locale, 'error'));
  });
  app.setNotFoundHandler((request, reply) => {
    const locale = localeOf(request);
    return sendPage(reply, locale, errorPage(locale, 'notFound'));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(termsRoutes, {
    content,
    secret: config.termsSessionSecret,
    tenantOrigin: config.tenantOrigin,
    now: options.now ?? Date.now,
    limits: RATE_LIMITS,
  });
  const { accountClient, linkingSessionSecret, management } = config;
  const login =
    accountClient &&
    createTenantLogin({
      tenantOrigin: config.tenantOrigin,
      clientId: accountClient.clientId,
      clientSecret: accountClient.clientSecret,
      ...(options.tenantFetch ? { fetch: options.tenantFetch } : {}),
    });
  if (accountClient && login && linkingSessionSecret) {
    await app.register(linkingRoutes, {
      secret: linkingSessionSecret,
      tenantOrigin: config.tenantOrigin,
      baseUrl: accountClient.baseUrl,
      login,
      now: options.now ?? Date.now,
      limits: RATE_LIMITS,
    });
  }
  const store = management && createProfileStore(management);
  if (accountClient && login && store) {
    await app.register(profileRoutes, {
      baseUrl: accountClient.baseUrl,
      login,
      store,
      now: options.now ?? Date.now,
      limits: RATE_LIMITS,
    });
    await app.register(deleteRoutes, { store, now: options.now ?? Date.now, limits: RATE_LIMITS });
    await app.register(emailRoutes, {
      ...(config.mail ? { mail: config.mail } : {}),
      sessionKeys: config.sessionKeys,
      baseUrl: accountClient.baseUrl,
      store,
      now: options.now ?? Date.now,
      limits: RATE_LIMITS,
    });
  }
  if (store && config.profileApiAudience) {
    const jwks = new URL(`${config.tenantOrigin}/.well-known/jwks.json`);
    await app.register(apiRoutes, {
      policy: {
        issuer: `${config.tenantOrigin}/`,
        audience: config.profileApiAudience,
        keys: createRemoteJWKSet(jwks, options.tenantFetch ? { [customFetch]: options.tenantFetch } : {}),
        clockToleranceSeconds: 5,
      },
      store,
      now: options.now ?? Date.now,
      limits: RATE_LIMITS,
      corsOrigins: config.profileApiOrigins ?? [],
      prefix: '/api',
    });
  }
  return app;
}
