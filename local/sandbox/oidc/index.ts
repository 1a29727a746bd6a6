import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OtherGrants, TenantEndpoint, TokenSigner } from '../auth';
import type { Mailer } from '../email';
import type { EngineResult, LoginEngine } from '../login/engine';
import type { Store } from '../store';
import { AuthorizationFlow } from './flow';
import { oidcRoutes, resumeAuthorization, type OidcRoutesOptions } from './routes';
import type { OidcStore } from './store';
import { TokenEndpoint } from './token-endpoint';
import { TokenIssuer } from './tokens';
import { holdsTransaction } from './transaction-cookies';

// The sandbox as an OpenID Connect provider (authorization code + PKCE, refresh tokens, logout)
// for the tenant's applications, with every login through the one LoginEngine.

export interface OidcProviderDependencies {
  store: Store;
  /** The provider's sessions, codes, refresh tokens and grants (the Management API reads them too). */
  oidc: OidcStore;
  signer: TokenSigner;
  engine: LoginEngine;
  mailer: Mailer;
  endpoint: () => TenantEndpoint & { domain: string };
}

export interface OidcProvider {
  routes: typeof oidcRoutes;
  routeOptions: OidcRoutesOptions;
  /** The code and refresh grants of /oauth/token (client_credentials stays in auth.ts). */
  tokenGrants: OtherGrants;
  /** For /continue: finishes a login that started at /authorize. */
  resumeAuthorization: (request: FastifyRequest, reply: FastifyReply, result: EngineResult) => FastifyReply;
  /** For /continue: a login that belongs to an authorization resumes only in the browser holding its transaction cookie. */
  continueAllowed: (request: FastifyRequest, state: string) => boolean;
}

export function createOidcProvider(deps: OidcProviderDependencies): OidcProvider {
  const { oidc } = deps;
  const flow = new AuthorizationFlow(deps.store, oidc, deps.engine, deps.endpoint);
  const issuer = new TokenIssuer(deps.store, deps.signer, () => deps.endpoint().issuer);
  const tokens = new TokenEndpoint(deps.store, oidc, deps.engine, issuer);
  const origin = (): string => `https://${deps.endpoint().domain}`;
  return {
    routes: oidcRoutes,
    routeOptions: {
      store: deps.store,
      oidc,
      flow,
      tokens,
      signer: deps.signer,
      mailer: deps.mailer,
      endpoint: deps.endpoint,
    },
    tokenGrants: {
      grantTypes: ['authorization_code', 'refresh_token'],
      handle: async (request, reply) => {
        const answer = await tokens.handle({
          body: isRecord(request.body) ? request.body : {},
          authorization: request.headers.authorization,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? '',
        });
        return reply
          .code(answer.status)
          .header('cache-control', 'no-store')
          .header('pragma', 'no-cache')
          .send(answer.body);
      },
    },
    resumeAuthorization: resumeAuthorization(flow, origin),
    continueAllowed: (request, state) => {
      const id = deps.engine.pendingTransaction(state);
      if (id === undefined) return true;
      // Refused too when the transaction is over: the Action's onContinue must not run for nothing.
      const transaction = flow.transaction(id);
      return transaction !== undefined && holdsTransaction(request.cookies, transaction);
    },
  };
}

export { OidcStore } from './store';
export { clientErrorHandler } from './http';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
