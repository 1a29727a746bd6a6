import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSigner } from '../auth';
import type { Mailer } from '../email';
import type { EngineResult } from '../login/engine';
import type { Store, User } from '../store';
import type { AuthorizationFlow } from './flow';
import { changePasswordRoutes } from './change-password';
import { answerFlow, browserOf, SESSION_COOKIE, strings, type Fields } from './http';
import { logoutRoutes } from './logout';
import { loginPageRoutes } from './page-routes';
import type { OidcStore } from './store';
import type { TokenEndpoint } from './token-endpoint';
import { OIDC_SCOPES } from './tokens';
import { TRANSACTION_COOKIE_OPTIONS, transactionCookiesToDrop } from './transaction-cookies';

/**
 * The sandbox as an OpenID Connect provider for the tenant's applications: discovery,
 * /authorize, /userinfo, the login pages (page-routes.ts), /dbconnections/change_password
 * (change-password.ts) and logout (logout.ts). The token
 * endpoint's code and refresh grants are `tokenGrants` (auth.ts routes /oauth/token by grant type).
 */

export interface OidcRoutesOptions {
  store: Store;
  oidc: OidcStore;
  flow: AuthorizationFlow;
  tokens: TokenEndpoint;
  signer: TokenSigner;
  mailer: Mailer;
  endpoint: () => { domain: string; issuer: string };
}

export const oidcRoutes: FastifyPluginAsync<OidcRoutesOptions> = async (app, options) => {
  const { store, flow } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    const issuer = options.endpoint().issuer;
    return reply.header('cache-control', 'no-store').send({
      issuer,
      authorization_endpoint: `${issuer}authorize`,
      token_endpoint: `${issuer}oauth/token`,
      userinfo_endpoint: `${issuer}userinfo`,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      end_session_endpoint: `${issuer}oidc/logout`,
      scopes_supported: [...OIDC_SCOPES],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      claims_supported: [
        'aud',
        'auth_time',
        'email',
        'email_verified',
        'exp',
        'family_name',
        'given_name',
        'iat',
        'iss',
        'name',
        'nickname',
        'picture',
        'sid',
        'sub',
      ],
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    });
  });

  app.get<{ Querystring: Fields }>('/authorize', async (request, reply) => {
    const answer = await flow.authorize(
      strings(request.query),
      browserOf(request),
      request.cookies[SESSION_COOKIE],
      origin(),
    );
    // A new transaction's cookie: the browser's finished and oldest ones go first (bounded per browser).
    if (answer.type === 'redirect' && answer.transaction) {
      for (const name of transactionCookiesToDrop(request.cookies, (id) => flow.transaction(id)))
        reply.clearCookie(name, TRANSACTION_COOKIE_OPTIONS);
    }
    return answerFlow(reply, origin(), answer);
  });

  app.get('/userinfo', async (request, reply) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const refuse = (): FastifyReply =>
      reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send({ error: 'invalid_token', error_description: 'Unauthorized' });
    if (!match?.[1]) return refuse();
    let claims;
    try {
      const { issuer } = options.endpoint();
      claims = options.signer.verify(match[1], issuer, `${issuer}userinfo`);
    } catch {
      return refuse();
    }
    const scope = claims.scope.split(' ');
    const user = store.users.get(claims.sub);
    if (!user || !scope.includes('openid')) return refuse();
    return {
      sub: user.user_id,
      ...(scope.includes('profile')
        ? pick(user, ['name', 'given_name', 'family_name', 'nickname', 'picture', 'updated_at'])
        : {}),
      ...(scope.includes('email') && user.email !== undefined
        ? { email: user.email, email_verified: user.email_verified }
        : {}),
    };
  });

  await app.register(loginPageRoutes, { store, flow, mailer: options.mailer, endpoint: options.endpoint });
  await app.register(changePasswordRoutes, { store, mailer: options.mailer });
  await app.register(logoutRoutes, { store, oidc: options.oidc, signer: options.signer, endpoint: options.endpoint });
};

/** /continue's end of a login that started at /authorize. */
export function resumeAuthorization(flow: AuthorizationFlow, origin: () => string) {
  return (_request: FastifyRequest, reply: FastifyReply, result: EngineResult): FastifyReply =>
    answerFlow(reply, origin(), flow.resumed(result));
}

function pick(user: User, names: readonly (keyof User)[]): Partial<User> {
  return Object.fromEntries(names.filter((name) => user[name] !== undefined).map((name) => [name, user[name]]));
}
