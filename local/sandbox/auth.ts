import { createPublicKey, generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors';
import type { IdTokenClaims } from './login/types';
import type { JsonValue, Store } from './store';
import { isJsonObject } from './store/json';

/** The claims of a Management API access token the sandbox issues and accepts. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  azp: string;
  gty: 'client-credentials';
  scope: string;
  iat: number;
  exp: number;
}

export interface AuthenticatedCaller {
  clientId: string;
  /** The token's `sub`: `<client_id>@clients` for client credentials, a user id for a user's token. */
  subject: string;
  scopes: ReadonlySet<string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: AuthenticatedCaller;
  }
  interface FastifyContextConfig {
    /** "Any of" these scopes is required, as Auth0 phrases it in its 403s. */
    scopes?: readonly string[];
  }
}

/** RS256 signing key kept in the state folder, so tokens and JWKS survive restarts. */
export class TokenSigner {
  readonly kid: string;
  private readonly privateKey: string;
  private readonly publicKey: KeyObject;

  constructor(keyPath: string) {
    if (!existsSync(keyPath)) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    this.privateKey = readFileSync(keyPath, 'utf8');
    this.publicKey = createPublicKey(this.privateKey);
    this.kid = createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url')
      .slice(0, 32);
  }

  sign(claims: Omit<AccessTokenClaims, 'iat' | 'exp'>, lifetimeSeconds: number): string {
    return jwt.sign(claims, this.privateKey, { algorithm: 'RS256', keyid: this.kid, expiresIn: lifetimeSeconds });
  }

  /** The ID token of a sandbox login; its claims carry their own `iat` and `exp`. */
  signIdToken(claims: IdTokenClaims): string {
    return jwt.sign(claims, this.privateKey, { algorithm: 'RS256', keyid: this.kid });
  }

  /** A JWT with exactly these claims (the OIDC endpoints' ID and access tokens). */
  signClaims(claims: Readonly<Record<string, JsonValue>>): string {
    return jwt.sign(claims, this.privateKey, { algorithm: 'RS256', keyid: this.kid });
  }

  verify(token: string, issuer: string, audience: string): AccessTokenClaims {
    const payload = jwt.verify(token, this.publicKey, { algorithms: ['RS256'], issuer, audience });
    if (
      typeof payload === 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.azp !== 'string' ||
      typeof payload.scope !== 'string'
    ) {
      throw new jwt.JsonWebTokenError('unexpected token payload');
    }
    return payload as AccessTokenClaims;
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: this.kid, use: 'sig', alg: 'RS256' }] };
  }
}

/** Where the tenant lives right now: known only once the server listens (port 0 in tests). */
export interface TenantEndpoint {
  issuer: string;
  managementAudience: string;
}

/** The token request's parameters; each is a single string when present. */
interface TokenRequest {
  grant_type?: string;
  client_id?: string;
  client_secret?: string;
  audience?: string;
  scope?: string;
}

const TOKEN_PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'audience', 'scope'] as const;

/** OAuth errors use the OAuth shape, not the Management API's. */
class OAuthError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Grants of /oauth/token served elsewhere (the OIDC provider's code and refresh grants). */
export interface OtherGrants {
  grantTypes: readonly string[];
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

/** POST /oauth/token (client credentials here, other grants routed by grant_type) and GET /.well-known/jwks.json. */
export function registerTokenEndpoint(
  app: FastifyInstance,
  store: Store,
  signer: TokenSigner,
  endpoint: () => TenantEndpoint,
  otherGrants?: OtherGrants,
): void {
  app.get('/.well-known/jwks.json', async () => signer.jwks());

  app.post<{ Body: unknown }>('/oauth/token', async (request, reply) => {
    const grantType = isJsonObject(request.body) ? request.body.grant_type : undefined;
    if (otherGrants && typeof grantType === 'string' && otherGrants.grantTypes.includes(grantType))
      return otherGrants.handle(request, reply);
    try {
      const body = parseTokenRequest(request.body);
      const { clientId, clientSecret } = clientCredentials(request, body);
      if (body.grant_type !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${body.grant_type ?? '(none)'}`);
      }
      const client = clientId === undefined ? undefined : store.clients.get(clientId);
      // Same answer for an unknown client and a wrong secret, as Auth0 does.
      if (!client || clientSecret === undefined || client.client_secret !== clientSecret) {
        throw new OAuthError(401, 'access_denied', 'Unauthorized');
      }
      if (!client.grant_types.includes('client_credentials') || client.token_endpoint_auth_method === 'none') {
        throw new OAuthError(403, 'unauthorized_client', "Grant type 'client_credentials' not allowed for the client.");
      }
      const audience = body.audience ?? store.tenant.settings().default_audience;
      if (typeof audience !== 'string' || audience === '') {
        throw new OAuthError(
          403,
          'access_denied',
          'No audience parameter was provided, and no default audience has been configured',
        );
      }
      const api = store.resourceServers.get(audience);
      if (!api || api.identifier !== audience)
        throw new OAuthError(403, 'access_denied', `Service not found: ${audience}`);
      const granted = store.clientGrants.grantedScopes(client.client_id, audience);
      if (!granted) {
        throw new OAuthError(
          403,
          'access_denied',
          `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
        );
      }
      const requested = body.scope ? body.scope.split(' ').filter(Boolean) : granted;
      const missing = requested.filter((scope) => !granted.includes(scope));
      if (missing.length > 0)
        throw new OAuthError(403, 'access_denied', `Client has not been granted scopes: ${missing.join(',')}`);
      const lifetime = api.token_lifetime;
      const scope = requested.join(' ');
      const token = signer.sign(
        {
          iss: endpoint().issuer,
          sub: `${client.client_id}@clients`,
          aud: audience,
          azp: client.client_id,
          gty: 'client-credentials',
          scope,
        },
        lifetime,
      );
      store.logs.record({
        type: 'seccft',
        description: 'Client Credentials for Access Token',
        client_id: client.client_id,
        audience,
        scope,
        ip: request.ip,
        user_agent: request.headers['user-agent'] ?? '',
      });
      return { access_token: token, scope, expires_in: lifetime, token_type: 'Bearer' };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return reply.code(error.statusCode).send({ error: error.error, error_description: error.description });
    }
  });
}

/**
 * The body as sent (form or JSON) is untrusted: every parameter must be a single string. A
 * repeated form field or a JSON array/object is an OAuth `invalid_request`, never coerced.
 */
export function parseTokenRequest(body: unknown): TokenRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new OAuthError(400, 'invalid_request', 'The request body must be a set of parameters');
  const parameters = body as Record<string, unknown>;
  const parsed: TokenRequest = {};
  for (const name of TOKEN_PARAMETERS) {
    const value = parameters[name];
    if (value === undefined) continue;
    if (typeof value !== 'string')
      throw new OAuthError(400, 'invalid_request', `Parameter ${name} must be a single string`);
    parsed[name] = value;
  }
  return parsed;
}

/** Client authentication: HTTP Basic (RFC 6749 §2.3.1: form-encoded id and secret) or the body's parameters. */
function clientCredentials(request: FastifyRequest, body: TokenRequest): { clientId?: string; clientSecret?: string } {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return { clientId: body.client_id, clientSecret: body.client_secret };
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  try {
    if (separator <= 0) throw new URIError('no client id');
    return {
      clientId: decodeURIComponent(decoded.slice(0, separator)),
      clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
    };
  } catch {
    throw new OAuthError(401, 'invalid_client', 'Client authentication failed: malformed HTTP Basic credentials');
  }
}

/**
 * onRequest hook for /api/v2: a valid token for the Management API audience, then the route's
 * scopes. Runs before body validation, so a bad token is reported before a bad payload, as in Auth0.
 */
export type Authenticate = (request: FastifyRequest) => Promise<void>;

export function managementAuth(signer: TokenSigner, endpoint: () => TenantEndpoint): Authenticate {
  return async (request) => {
    const header = request.headers.authorization;
    if (!header) throw new ApiError(401, 'Missing authentication');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new ApiError(401, 'Bad HTTP authentication header format');
    let claims: AccessTokenClaims;
    try {
      const { issuer, managementAudience } = endpoint();
      claims = signer.verify(match[1], issuer, managementAudience);
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError)
        throw new ApiError(401, 'Expired token received for JSON Web Token validation');
      if (error instanceof jwt.JsonWebTokenError && /audience/.test(error.message))
        throw new ApiError(401, 'Bad audience');
      throw new ApiError(401, 'Invalid token');
    }
    const scopes = new Set(claims.scope.split(' ').filter(Boolean));
    request.caller = { clientId: claims.azp, subject: claims.sub, scopes };
    const required = request.routeOptions.config.scopes;
    if (required && !required.some((scope) => scopes.has(scope))) {
      throw new ApiError(403, `Insufficient scope, expected any of: ${required.join(',')}`, 'insufficient_scope');
    }
  };
}
