import { createHash, randomBytes } from 'node:crypto';
import type { TokenSigner } from '../auth';
import type { Client, JsonValue, ResourceServer, Store } from '../store';

/**
 * The tokens of the code and refresh grants, shaped as Auth0 shapes them:
 * - ID token: `iss` with the trailing slash, `aud` = client_id (a string), the client's
 *   jwt_configuration.lifetime_in_seconds (default 36000 s), `nonce`, `sid`, `auth_time`, `at_hash`,
 *   and profile/email claims only for the scopes requested (also when an Action set them);
 * - access token (RS256 JWT): for an API, `aud` = its identifier (plus `<issuer>userinfo` when
 *   `openid` was asked), the requested scopes the API defines plus the OIDC ones, its
 *   token_lifetime; without an audience, a token for /userinfo only (86400 s).
 * https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure
 * https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
 */

export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);
const PROFILE_CLAIMS = [
  'name',
  'family_name',
  'given_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'picture',
  'updated_at',
];
const EMAIL_CLAIMS = ['email', 'email_verified'];
const REGISTERED_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'iat',
  'exp',
  'nbf',
  'jti',
  'azp',
  'nonce',
  'auth_time',
  'sid',
  'at_hash',
];
const DEFAULT_ID_TOKEN_LIFETIME = 36_000;
const USERINFO_TOKEN_LIFETIME = 86_400;

export interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface IssueInput {
  client: Client;
  userId: string;
  scope: readonly string[];
  audience: string | undefined;
  /** The engine's ID token claims (profile, email, the Actions' custom claims). */
  idClaims: Readonly<Record<string, JsonValue>>;
  accessClaims: Readonly<Record<string, JsonValue>>;
  nonce?: string;
  sessionId: string;
  authTime: number;
}

export class TokenIssuer {
  constructor(
    private readonly store: Store,
    private readonly signer: TokenSigner,
    private readonly issuer: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Access token and (with `openid`) ID token. */
  issue(input: IssueInput): Omit<TokenSet, 'refresh_token'> {
    const iat = Math.floor(this.now() / 1000);
    const issuer = this.issuer();
    const api = input.audience === undefined ? undefined : this.store.resourceServers.get(input.audience);
    const scope = grantedScopes(input.scope, api);
    const openid = scope.includes('openid');
    const expiresIn = api ? api.token_lifetime : USERINFO_TOKEN_LIFETIME;
    const userinfo = `${issuer}userinfo`;
    const aud: JsonValue = api ? (openid ? [api.identifier, userinfo] : api.identifier) : userinfo;
    const accessToken = this.signer.signClaims({
      ...withoutRegistered(input.accessClaims),
      iss: issuer,
      sub: input.userId,
      aud,
      azp: input.client.client_id,
      iat,
      exp: iat + expiresIn,
      scope: scope.join(' '),
    });
    const tokens: Omit<TokenSet, 'refresh_token'> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: scope.join(' '),
    };
    if (!openid) return tokens;
    const idToken = this.signer.signClaims({
      ...scopedClaims(input.idClaims, scope),
      iss: issuer,
      sub: input.userId,
      aud: input.client.client_id,
      iat,
      exp: iat + idTokenLifetime(input.client),
      auth_time: input.authTime,
      sid: input.sessionId,
      at_hash: atHash(accessToken),
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    });
    return { ...tokens, id_token: idToken };
  }

  /** Whether this login gets a refresh token: `offline_access`, the client's refresh grant, and an API that allows it. */
  offersRefreshToken(client: Client, scope: readonly string[], audience: string | undefined): boolean {
    if (!scope.includes('offline_access') || !client.grant_types.includes('refresh_token')) return false;
    if (audience === undefined) return true;
    return this.store.resourceServers.get(audience)?.allow_offline_access === true;
  }
}

export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

function grantedScopes(requested: readonly string[], api: ResourceServer | undefined): string[] {
  const defined = new Set((api?.scopes ?? []).map((scope) => scope.value));
  return [...new Set(requested)].filter((scope) => OIDC_SCOPES.has(scope) || defined.has(scope));
}

function scopedClaims(
  claims: Readonly<Record<string, JsonValue>>,
  scope: readonly string[],
): Record<string, JsonValue> {
  const dropped = new Set([
    ...REGISTERED_CLAIMS,
    ...(scope.includes('profile') ? [] : PROFILE_CLAIMS),
    ...(scope.includes('email') ? [] : EMAIL_CLAIMS),
  ]);
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !dropped.has(name)));
}

function withoutRegistered(claims: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(claims).filter(([name]) => !REGISTERED_CLAIMS.includes(name) && name !== 'scope'),
  );
}

function idTokenLifetime(client: Client): number {
  const configured = (client.jwt_configuration as { lifetime_in_seconds?: unknown } | undefined)?.lifetime_in_seconds;
  return typeof configured === 'number' && configured > 0 ? configured : DEFAULT_ID_TOKEN_LIFETIME;
}

/** OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token, base64url. */
function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The client's `refresh_token` settings with Auth0's defaults. */
export interface RefreshPolicy {
  rotating: boolean;
  /** Seconds; undefined = no absolute limit. */
  lifetime?: number;
  /** Seconds; undefined = no idle limit. */
  idleLifetime?: number;
  leeway: number;
}

const DEFAULT_REFRESH_LIFETIME = 2_592_000;
const DEFAULT_IDLE_LIFETIME = 1_296_000;

/** https://auth0.com/docs/secure/tokens/refresh-tokens/configure-refresh-token-expiration */
export function refreshPolicy(client: Client): RefreshPolicy {
  const raw = client.refresh_token;
  const settings = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const number = (value: unknown, fallback: number): number =>
    typeof value === 'number' && value > 0 ? value : fallback;
  const rotating = settings.rotation_type === 'rotating';
  const expiring = rotating || settings.expiration_type === 'expiring';
  return {
    rotating,
    leeway: typeof settings.leeway === 'number' && settings.leeway > 0 ? settings.leeway : 0,
    ...(expiring && settings.infinite_token_lifetime !== true
      ? { lifetime: number(settings.token_lifetime, DEFAULT_REFRESH_LIFETIME) }
      : {}),
    ...(expiring && settings.infinite_idle_token_lifetime !== true
      ? { idleLifetime: number(settings.idle_token_lifetime, DEFAULT_IDLE_LIFETIME) }
      : {}),
  };
}
