import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors';
import type { LoginEngine } from '../login/engine';
import type { Client, LogType, Store } from '../store';
import { newId } from './flow';
import { tokenHash, type OidcStore, type RefreshTokenRecord } from './store';
import { newOpaqueToken, refreshPolicy, type TokenIssuer, type TokenSet } from './tokens';

/**
 * `POST /oauth/token` for the authorization_code and refresh_token grants (client_credentials
 * stays in auth.ts). Client authentication follows the client's token_endpoint_auth_method;
 * refresh tokens follow its `refresh_token` settings (rotation, absolute and idle expiry, leeway),
 * and a rotated token presented again outside the leeway revokes its whole family. Refresh
 * exchanges run the deployed Actions (protocol oauth2-refresh-token); a deny fails the grant.
 * https://auth0.com/docs/api/authentication/authorization-code-flow-with-pkce/get-token-pkce
 * https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation
 */

export type TokenAnswer =
  { status: 200; body: TokenSet } | { status: number; body: { error: string; error_description: string } };

export interface TokenRequest {
  body: Record<string, unknown>;
  authorization: string | undefined;
  ip: string;
  userAgent: string;
}

/** A grant's answer and what its log event names. */
interface Issued {
  tokens: TokenSet;
  userId: string;
  audience: string | undefined;
}

const UNKNOWN_REFRESH_TOKEN = 'Unknown or invalid refresh token.';

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    /** The log event when not the grant's generic failure (a reused rotating token: `ferrt`). */
    readonly logType?: LogType,
  ) {
    super(description);
  }
}

// Auth0's log event per grant: success, failure (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes).
const GRANT_LOGS = {
  authorization_code: { success: 'seacft', failure: 'feacft' },
  refresh_token: { success: 'sertft', failure: 'fertft' },
} as const;

export class TokenEndpoint {
  constructor(
    private readonly store: Store,
    private readonly oidc: OidcStore,
    private readonly engine: LoginEngine,
    private readonly issuer: TokenIssuer,
    // Read at each call (not Date.now captured once), so that a test can move the clock.
    private readonly now: () => number = () => Date.now(),
  ) {}

  async handle(request: TokenRequest): Promise<TokenAnswer> {
    try {
      const body = strings(request.body);
      if (body.grant_type !== 'authorization_code' && body.grant_type !== 'refresh_token') {
        throw new TokenError(400, 'unsupported_grant_type', `Unsupported grant type: ${body.grant_type ?? '(none)'}`);
      }
      const logs = GRANT_LOGS[body.grant_type];
      const trace = {
        ip: request.ip,
        user_agent: request.userAgent,
        ...(body.client_id !== undefined ? { client_id: body.client_id } : {}),
      };
      try {
        const client = this.authenticateClient(body, request.authorization);
        const issued =
          body.grant_type === 'authorization_code'
            ? this.authorizationCode(client, body)
            : await this.refreshToken(client, body, request);
        this.store.logs.record({
          type: logs.success,
          ...trace,
          client_id: client.client_id,
          user_id: issued.userId,
          user_name: this.store.users.get(issued.userId)?.email ?? '',
          scope: issued.tokens.scope,
          ...(issued.audience !== undefined ? { audience: issued.audience } : {}),
        });
        return { status: 200, body: issued.tokens };
      } catch (error) {
        if (error instanceof TokenError)
          this.store.logs.record({ type: error.logType ?? logs.failure, description: error.description, ...trace });
        throw error;
      }
    } catch (error) {
      if (error instanceof TokenError)
        return { status: error.status, body: { error: error.error, error_description: error.description } };
      throw error;
    }
  }

  private authenticateClient(body: Record<string, string>, authorization: string | undefined): Client {
    const basic = basicCredentials(authorization);
    const clientId = basic?.clientId ?? body.client_id;
    const client = clientId === undefined ? undefined : this.store.clients.get(clientId);
    const failed = new TokenError(401, 'invalid_client', 'Client authentication failed');
    if (!client || client.global) throw failed;
    const method = client.token_endpoint_auth_method;
    const secret =
      method === 'client_secret_basic'
        ? basic?.clientSecret
        : method === 'client_secret_post'
          ? body.client_secret
          : undefined;
    if (method === 'none') {
      if (basic || body.client_secret !== undefined) throw failed;
      return client;
    }
    if (secret === undefined || client.client_secret === undefined || !sameSecret(secret, client.client_secret))
      throw failed;
    return client;
  }

  private authorizationCode(client: Client, body: Record<string, string>): Issued {
    requireGrant(client, 'authorization_code');
    if (!body.code) throw new TokenError(400, 'invalid_request', 'Missing required parameter: code');
    const redeemed = this.oidc.redeemCode(body.code, this.now());
    if (redeemed.status === 'reused') {
      // A code seen twice was stolen or replayed: what the first redemption issued dies too.
      if (redeemed.family) this.oidc.revokeFamily(redeemed.family);
      throw new TokenError(403, 'invalid_grant', 'Invalid authorization code');
    }
    if (redeemed.status === 'invalid' || redeemed.grant.client_id !== client.client_id)
      throw new TokenError(403, 'invalid_grant', 'Invalid authorization code');
    const { grant } = redeemed;
    if (body.redirect_uri !== grant.redirect_uri)
      throw new TokenError(403, 'invalid_grant', 'Invalid redirect_uri: it must be the one sent to /authorize');
    if (grant.code_challenge !== undefined) {
      const verifier = body.code_verifier;
      if (
        verifier === undefined ||
        !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) ||
        pkceChallenge(verifier) !== grant.code_challenge
      ) {
        throw new TokenError(403, 'invalid_grant', 'Failed to verify code verifier');
      }
    } else if (body.code_verifier !== undefined) {
      throw new TokenError(403, 'invalid_grant', 'Failed to verify code verifier');
    }
    const tokens = this.issuer.issue({
      client,
      userId: grant.user_id,
      scope: grant.scope,
      audience: grant.audience,
      idClaims: grant.id_claims,
      accessClaims: grant.access_claims,
      sessionId: grant.session_id,
      authTime: grant.auth_time,
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    });
    const issued = (set: TokenSet): Issued => ({ tokens: set, userId: grant.user_id, audience: grant.audience });
    if (!this.issuer.offersRefreshToken(client, grant.scope, grant.audience)) return issued(tokens);
    const family = newId();
    const refreshToken = this.newRefreshToken(client, {
      family,
      user_id: grant.user_id,
      connection: grant.connection,
      session_id: grant.session_id,
      scope: grant.scope,
      auth_time: grant.auth_time,
      ...(grant.audience !== undefined ? { audience: grant.audience } : {}),
    });
    this.oidc.recordCodeFamily(body.code, family);
    return issued({ ...tokens, refresh_token: refreshToken });
  }

  private async refreshToken(client: Client, body: Record<string, string>, request: TokenRequest): Promise<Issued> {
    requireGrant(client, 'refresh_token');
    const presented = body.refresh_token;
    if (!presented) throw new TokenError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const record = this.oidc.refreshToken(presented);
    const verdict = refreshVerdict(record, client, this.now());
    if (verdict === 'reused' && record) {
      this.oidc.revokeFamily(record.family);
      throw new TokenError(403, 'invalid_grant', UNKNOWN_REFRESH_TOKEN, 'ferrt');
    }
    if (verdict !== 'usable' || !record) throw new TokenError(403, 'invalid_grant', UNKNOWN_REFRESH_TOKEN);
    const now = this.now();
    const policy = refreshPolicy(client);
    const scope = body.scope === undefined ? record.scope : body.scope.split(' ').filter(Boolean);
    if (scope.some((value) => !record.scope.includes(value))) {
      throw new TokenError(403, 'invalid_scope', 'The requested scope must not exceed the scope of the refresh token');
    }

    let result;
    try {
      result = await this.engine.run(
        {
          client: client.client_id,
          connection: record.connection,
          flow: 'refresh-token',
          user: record.user_id,
          ip: request.ip,
        },
        {
          request: {
            method: 'POST',
            query: {},
            // Only the non-secret fields of the token request reach the Actions.
            body: {
              grant_type: 'refresh_token',
              client_id: client.client_id,
              ...(body.scope !== undefined ? { scope: body.scope } : {}),
            },
            userAgent: request.userAgent,
            transaction: { requested_scopes: scope },
            sessionId: record.session_id,
            refreshTokenId: record.id,
          },
        },
      );
    } catch (error) {
      // The user or its identity is gone: the token no longer stands for anyone.
      if (error instanceof ApiError) throw new TokenError(403, 'invalid_grant', UNKNOWN_REFRESH_TOKEN);
      throw error;
    }
    const { response } = result;
    if (response.outcome === 'denied') throw new TokenError(403, response.error, response.error_description);
    if (response.outcome === 'redirect')
      throw new TokenError(403, 'access_denied', 'A redirect Action cannot run in a refresh token exchange');

    const tokens = this.issuer.issue({
      client,
      userId: response.user_id,
      scope,
      audience: record.audience,
      idClaims: response.claims,
      accessClaims: result.accessTokenClaims,
      sessionId: record.session_id,
      authTime: record.auth_time,
    });
    const issued = (set: TokenSet): Issued => ({ tokens: set, userId: response.user_id, audience: record.audience });
    if (!policy.rotating) {
      this.oidc.updateRefreshToken(presented, { ...record, last_exchanged_at: now });
      return issued(tokens);
    }
    this.oidc.updateRefreshToken(presented, {
      ...record,
      consumed_at: record.consumed_at ?? now,
      last_exchanged_at: now,
    });
    if (record.parent !== undefined) this.oidc.supersede(record.parent);
    // The public id stays with the family: the Management API shows one refresh token per family.
    const {
      created_at: _created,
      last_exchanged_at: _exchanged,
      consumed_at: _consumed,
      revoked: _revoked,
      rotating: _rotating,
      client_id: _client,
      parent: _parent,
      superseded: _superseded,
      ...family
    } = record;
    return issued({
      ...tokens,
      refresh_token: this.newRefreshToken(client, { ...family, parent: tokenHash(presented) }),
    });
  }

  /** A token of `family`; the absolute expiry is the family's (fixed when it started), else from the client's policy. */
  private newRefreshToken(
    client: Client,
    family: Omit<RefreshTokenRecord, 'id' | 'client_id' | 'rotating' | 'created_at' | 'last_exchanged_at'> & {
      id?: string;
    },
  ): string {
    const policy = refreshPolicy(client);
    const now = this.now();
    const token = newOpaqueToken();
    const expiresAt = family.expires_at ?? (policy.lifetime !== undefined ? now + policy.lifetime * 1000 : undefined);
    this.oidc.putRefreshToken(token, {
      ...family,
      id: family.id ?? `rt_${newId()}`,
      client_id: client.client_id,
      rotating: policy.rotating,
      created_at: now,
      last_exchanged_at: now,
      ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
    });
    return token;
  }
}

/**
 * Whether a presented refresh token may be exchanged now, under the client's current policy:
 * unknown, revoked, another client's or expired (absolute or idle) → `invalid`; a rotated token
 * presented again → `reused`, unless it is the immediately previous one within the leeway.
 */
export function refreshVerdict(
  record: RefreshTokenRecord | undefined,
  client: Client,
  now: number,
): 'usable' | 'invalid' | 'reused' {
  if (!record || record.revoked || record.client_id !== client.client_id) return 'invalid';
  const policy = refreshPolicy(client);
  const idleExpired = policy.idleLifetime !== undefined && now >= record.last_exchanged_at + policy.idleLifetime * 1000;
  if ((record.expires_at !== undefined && now >= record.expires_at) || idleExpired) return 'invalid';
  if (record.consumed_at === undefined) return 'usable';
  const withinLeeway =
    policy.rotating && record.superseded !== true && now - record.consumed_at <= policy.leeway * 1000;
  return withinLeeway ? 'usable' : 'reused';
}

function requireGrant(client: Client, grant: string): void {
  if (!client.grant_types.includes(grant))
    throw new TokenError(403, 'unauthorized_client', `Grant type '${grant}' not allowed for the client.`);
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, separator)),
      clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
    };
  } catch {
    return undefined;
  }
}

function strings(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
