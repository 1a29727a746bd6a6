/**
 * The post-login trigger (v3): the `event` an Action receives and the `api` it acts through.
 *
 * This is the project's own stand-in for `@auth0/actions/post-login/v3`, which cannot be installed
 * here. Field names, optionality and method signatures follow Auth0's documented v3 trigger
 * (see ../shared/reference/post-login-v3.md). Actions and the local runtime both compile against it.
 */

/** JSON-compatible values, as stored in metadata and carried in tokens. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------
// event
// ---------------------------------------------------------------------------------------------

export interface Identity {
  connection?: string;
  isSocial?: boolean;
  provider?: string;
  /** The id inside the provider (may itself contain `|`). */
  user_id?: string;
  profileData?: JsonObject;
}

export interface EnrolledFactor {
  type: string;
  options?: Record<string, unknown>;
}

export interface User {
  /** `provider|id`; the id part may contain `|`. */
  user_id: string;
  email?: string;
  email_verified: boolean;
  username?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
  phone_number?: string;
  phone_verified?: boolean;
  created_at: string;
  updated_at: string;
  last_password_reset?: string;
  /** Untrusted: any JSON may be stored here by the Management API or an earlier Action. */
  app_metadata: JsonObject;
  /** Untrusted and user-editable. */
  user_metadata: JsonObject;
  identities: Identity[];
  multifactor?: string[];
  enrolledFactors?: EnrolledFactor[];
}

export interface Client {
  client_id: string;
  name: string;
  /** Auth0 client metadata: at most 10 keys, string values of at most 255 characters. */
  metadata: Record<string, string>;
}

export interface Connection {
  id: string;
  name: string;
  /** `auth0` for database connections; equals the name for social ones (e.g. `google-oauth2`). */
  strategy: string;
  metadata?: Record<string, string>;
}

export interface GeoIp {
  cityName?: string;
  continentCode?: string;
  countryCode?: string;
  countryCode3?: string;
  countryName?: string;
  latitude?: number;
  longitude?: number;
  subdivisionCode?: string;
  subdivisionName?: string;
  timeZone?: string;
}

export interface Request {
  ip: string;
  method: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  geoip: GeoIp;
  hostname?: string;
  language?: string;
  user_agent?: string;
  asn?: string;
}

export type Protocol =
  | 'oidc-basic-profile'
  | 'oidc-implicit-profile'
  | 'oidc-hybrid-profile'
  | 'oidc-ciba'
  | 'oidc-ciba-web-link'
  | 'oauth2-device-code'
  | 'oauth2-resource-owner'
  | 'oauth2-resource-owner-jwt-bearer'
  | 'oauth2-password'
  | 'oauth2-webauthn'
  | 'oauth2-access-token'
  | 'oauth2-refresh-token'
  | 'oauth2-token-exchange'
  | 'samlp'
  | 'wsfed'
  | 'wstrust-usernamemixed';

export type TransactionMetadataValue = string | number | boolean;

export interface Transaction {
  id?: string;
  protocol?: Protocol;
  requested_scopes?: string[];
  redirect_uri?: string;
  prompt?: string[];
  ui_locales?: string[];
  locale?: string;
  login_hint?: string;
  acr_values?: string[];
  state?: string;
  response_type?: string[];
  response_mode?: string;
  linking_id?: string;
  metadata: Record<string, TransactionMetadataValue>;
}

export interface AuthenticationMethod {
  /** `federated`, `pwd`, `passkey`, `sms`, `email`, `phone_number`, `mock`, `mfa`, or a URL. */
  name: string;
  timestamp: string;
  type?: string;
}

export interface Authentication {
  methods: AuthenticationMethod[];
  riskAssessment?: Record<string, unknown>;
}

export interface Organization {
  id: string;
  name: string;
  display_name: string;
  metadata: Record<string, string>;
}

export interface SessionDevice {
  initial_ip?: string;
  initial_asn?: string;
  initial_user_agent?: string;
  last_ip?: string;
  last_asn?: string;
  last_user_agent?: string;
}

export interface Session {
  id: string;
  created_at?: string;
  updated_at?: string;
  authenticated_at?: string;
  last_interacted_at?: string;
  expires_at?: string;
  idle_expires_at?: string;
  cookie?: { mode: 'persistent' | 'non-persistent' };
  device?: SessionDevice;
  clients?: { client_id: string }[];
}

export interface RefreshToken {
  id: string;
  client_id?: string;
  created_at?: string;
  expires_at?: string;
  idle_expires_at?: string;
  last_exchanged_at?: string;
  device?: SessionDevice;
  metadata?: Record<string, string>;
}

export interface PromptResult {
  id: string;
  fields?: Record<string, unknown>;
  vars?: Record<string, unknown>;
}

export interface Event {
  user: User;
  client: Client;
  connection: Connection;
  request: Request;
  transaction?: Transaction;
  authentication?: Authentication;
  authorization?: { roles: string[] };
  organization?: Organization;
  resource_server?: { identifier: string };
  secrets: Record<string, string>;
  stats: { logins_count: number };
  tenant: { id: string };
  session?: Session;
  refresh_token?: RefreshToken;
  prompt?: PromptResult;
  security_context?: { ja3?: string; ja4?: string };
  custom_domain?: { domain: string; domain_metadata?: Record<string, string> };
}

// ---------------------------------------------------------------------------------------------
// api
// ---------------------------------------------------------------------------------------------

export type ClaimValue = JsonValue | undefined;

export interface CacheRecord {
  value: string;
  /** Epoch milliseconds. */
  expires_at: number;
}

export type CacheErrorCode =
  | 'CacheKeySizeExceeded'
  | 'CacheValueSizeExceeded'
  | 'CacheSizeExceeded'
  | 'ItemAlreadyExpired'
  | 'InvalidExpiry'
  | 'MaxSideEffectsExceeded';

export type CacheWriteResult =
  | { type: 'success'; record: CacheRecord }
  | { type: 'error'; code: CacheErrorCode };

export interface CacheSetOptions {
  /** Time to live in **milliseconds** (default 15 minutes, at most 24 hours). */
  ttl?: number;
  /** Absolute expiry, epoch milliseconds. */
  expires_at?: number;
}

export interface EncodeTokenOptions {
  secret: string;
  payload: JsonObject;
  /** Default 900. */
  expiresInSeconds?: number;
}

export interface ValidateTokenOptions {
  secret: string;
  /** Default `session_token`. */
  tokenParameterName?: string;
}

/** Claims of a session token after `validateToken`. */
export interface SessionTokenClaims extends JsonObject {
  sub: string;
  iss: string;
  iat: number;
  exp: number;
  state: string;
}

export interface SendUserToOptions {
  query?: Record<string, string>;
}

export type MultifactorProvider = 'any' | 'none' | 'guardian' | 'google-authenticator' | 'duo';

export interface FactorSelector {
  type: string;
  options?: Record<string, unknown>;
}

export interface API {
  access: {
    /** The reason is shown to the application as `error_description`: use a stable code. */
    deny(reason: string): API;
  };
  accessToken: {
    setCustomClaim(name: string, value: ClaimValue): API;
    addScope(scope: string): API;
    removeScope(scope: string): API;
  };
  idToken: {
    setCustomClaim(name: string, value: ClaimValue): API;
  };
  user: {
    setAppMetadata(key: string, value: JsonValue | undefined): API;
    setUserMetadata(key: string, value: JsonValue | undefined): API;
  };
  redirect: {
    encodeToken(options: EncodeTokenOptions): string;
    sendUserTo(url: string, options?: SendUserToOptions): API;
    validateToken(options: ValidateTokenOptions): SessionTokenClaims;
    /** @deprecated Auth0 keeps it for compatibility. */
    canRedirect(): boolean;
  };
  authentication: {
    setPrimaryUser(primaryUserId: string): void;
    recordMethod(providerUrl: string): API;
    challengeWith(factor: FactorSelector, options?: { additionalFactors?: FactorSelector[] }): void;
    challengeWithAny(factors: FactorSelector[]): void;
    enrollWith(factor: FactorSelector, options?: { additionalFactors?: FactorSelector[] }): void;
    enrollWithAny(factors: FactorSelector[]): void;
  };
  multifactor: {
    enable(provider: MultifactorProvider, options?: { allowRememberBrowser?: boolean; providerOptions?: Record<string, unknown> }): API;
  };
  cache: {
    get(key: string): CacheRecord | undefined;
    set(key: string, value: string, options?: CacheSetOptions): CacheWriteResult;
    delete(key: string): CacheWriteResult;
  };
  prompt: {
    render(formId: string, options?: { fields?: Record<string, unknown>; vars?: Record<string, unknown> }): void;
  };
  transaction: {
    setMetadata(key: string, value: TransactionMetadataValue): API;
  };
  session: {
    setExpiresAt(epochMs: number): API;
    setIdleExpiresAt(epochMs: number): API;
    revoke(reason: string, options?: { preserveRefreshTokens?: boolean }): API;
    setMetadata(key: string, value: string): API;
    deleteMetadata(key: string): API;
    evictMetadata(): API;
  };
  refreshToken: {
    setExpiresAt(epochMs: number): API;
    setIdleExpiresAt(epochMs: number): API;
    revoke(reason: string): API;
    setMetadata(key: string, value: string): API;
    deleteMetadata(key: string): API;
    evictMetadata(): API;
  };
  samlResponse: {
    setAttribute(attribute: string, value: JsonValue): API;
    setAudience(audience: string): API;
    setIssuer(issuer: string): API;
    setRecipient(recipient: string): API;
    setDestination(destination: string): API;
    setLifetimeInSeconds(seconds: number): API;
    setNameIdentifierFormat(format: string): API;
  };
  validation: {
    error(code: string, message: string): API;
  };
  rules: {
    wasExecuted(ruleId: string): boolean;
  };
}

/** The module shape Auth0 loads: CommonJS exports of async handlers. */
export type OnExecutePostLogin = (event: Event, api: API) => Promise<void>;
export type OnContinuePostLogin = (event: Event, api: API) => Promise<void>;

export interface PostLoginModule {
  onExecutePostLogin: OnExecutePostLogin;
  onContinuePostLogin?: OnContinuePostLogin;
}
