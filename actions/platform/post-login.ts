/**
 * The post-login trigger (v3): the `event` an Action receives and the `api` it acts through.
 *
 * This is the project's own @auth0/actions (`post-login/v3`), which cannot be installed here.
 * Field names, optionality and method signatures (return values included: a method Auth0 declares
 * `void` returns nothing, so nothing can be chained on it) follow Auth0's documented v3 trigger:
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object
 * https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object
 * Actions and the local runtime both compile against it.
 */

import type { JsonObject, JsonValue } from './json';

export type { JsonObject, JsonValue } from './json';

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
  /** [Early Access] Multi-resource refresh token policies. */
  refresh_token?: { policies?: { audience?: string; scope?: string[] }[] };
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

/** A token-exchange actor; each may act for a next one, at most five deep. */
export interface Actor {
  sub: string;
  act?: Actor;
  [claim: string]: unknown;
}

export interface Transaction {
  /** Present on browser-based flows only. */
  id?: string;
  protocol?: Protocol;
  requested_scopes?: string[];
  /**
   * Auth0 sends these arrays on every transaction, empty when the request had none (its own
   * step-up template calls `event.transaction.acr_values.includes` unguarded).
   */
  acr_values?: string[];
  ui_locales?: string[];
  redirect_uri?: string;
  prompt?: string[];
  locale?: string;
  login_hint?: string;
  state?: string;
  response_type?: ('code' | 'token' | 'id_token')[];
  response_mode?: 'query' | 'fragment' | 'form_post' | 'web_message';
  linking_id?: string;
  correlation_id?: string;
  /** Rich authorization requests (RFC 9396). */
  requested_authorization_details?: ({ type: string } & Record<string, unknown>)[];
  actor?: Actor;
  actor_token_type?: string;
  subject_token_type?: string;
  metadata: Record<string, TransactionMetadataValue>;
}

export interface AuthenticationMethod {
  /** `federated`, `pwd`, `passkey`, `sms`, `email`, `phone_number`, `mock`, `mfa`, or a URL. */
  name: string;
  timestamp: string;
  type?: string;
}

export type RiskConfidence = 'low' | 'medium' | 'high' | 'neutral';

/** Adaptive MFA's assessment of this login (when the tenant has it). */
export interface RiskAssessment {
  version: string;
  /** Overall. */
  confidence: RiskConfidence;
  assessments: {
    AgentDetection?: {
      code: 'unknown' | 'verified_agent';
      confidence: RiskConfidence;
      details?: { provider?: string };
    };
    ImpossibleTravel?: {
      code:
        | 'minimal_travel_from_last_login'
        | 'travel_from_last_login'
        | 'substantial_travel_from_last_login'
        | 'impossible_travel_from_last_login'
        | 'invalid_travel'
        | 'missing_geoip'
        | 'anonymous_proxy'
        | 'unknown_location'
        | 'initial_login'
        | 'location_history_not_found'
        | 'assessment_not_available';
      confidence: RiskConfidence;
    };
    NewDevice?: {
      code:
        | 'match'
        | 'partial_match'
        | 'no_match'
        | 'initial_login'
        | 'unknown_device'
        | 'no_device_history'
        | 'assessment_not_available';
      confidence: RiskConfidence;
      details?: { device?: 'known' | 'unknown'; useragent?: 'known' | 'unknown' };
    };
    UntrustedIP?: {
      code: 'not_found_on_deny_list' | 'found_on_deny_list' | 'invalid_ip_address' | 'assessment_not_available';
      confidence: RiskConfidence;
      details?: { category?: string; ip?: string; matches?: string; source?: string };
    };
  };
  /** [Early Access] e.g. Akamai's bot and user-risk results. */
  supplemental?: Record<string, unknown>;
}

export interface Authentication {
  methods: AuthenticationMethod[];
  riskAssessment?: RiskAssessment;
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

/** Session fields other than `id` are for Enterprise customers only. */
export interface Session {
  id: string;
  user_id?: string;
  created_at?: string;
  updated_at?: string;
  authenticated_at?: string;
  last_interacted_at?: string;
  expires_at?: string;
  idle_expires_at?: string;
  cookie?: { mode: 'persistent' | 'non-persistent' };
  device?: SessionDevice;
  clients?: { client_id: string }[];
  /** [Early Access] */
  metadata?: Record<string, string>;
  /** Delegated sessions (Custom Token Exchange) only. */
  actor?: { sub: string } & Record<string, string | number | boolean | null>;
  /** Sessions created from a session transfer token (native to web SSO) only. */
  session_transfer?: { parent_refresh_token?: { id?: string; metadata?: Record<string, string> } };
}

/** For Enterprise customers only. */
export interface RefreshToken {
  id: string;
  client_id?: string;
  created_at: string;
  expires_at?: string;
  idle_expires_at?: string;
  last_exchanged_at?: string;
  device?: SessionDevice;
  metadata?: Record<string, string>;
  resource_servers?: { audience: string; scopes: string }[];
  rotating?: boolean;
  session_id?: string;
  session_transfer?: { parent_refresh_token?: { id?: string } };
  user_id?: string;
}

/** [Early Access] The session transfer token of a native-to-web SSO. */
export interface SessionTransferToken {
  client_id: string;
  scope: string[];
  request: { ip: string; asn?: string; user_agent?: string; geoip?: GeoIp };
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
  session_transfer_token?: SessionTransferToken;
  refresh_token?: RefreshToken;
  prompt?: PromptResult;
  security_context?: { ja3?: string; ja4?: string };
  custom_domain?: { domain: string; domain_metadata: Record<string, string> };
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
  | 'MaxSideEffectsExceeded'
  | 'FailedToSetCacheRecord'
  | 'FailedToDeleteCacheRecord'
  | 'CacheKeyDoesNotExist';

export type CacheWriteResult = { type: 'success'; record: CacheRecord } | { type: 'error'; code: CacheErrorCode };

export type CacheDeleteResult = { type: 'success' } | { type: 'error'; code: CacheErrorCode };

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

export type SamlAttributeValue = string | number | boolean | null | (string | number | boolean)[];
export type SessionCookieMode = 'persistent' | 'non-persistent';

/** Methods that return `API` may be chained; `void` ones return undefined on Auth0. */
export interface API {
  access: {
    /** The reason is shown to the application as `error_description`: use a stable code. */
    deny(reason: string): API;
  };
  accessToken: {
    setCustomClaim(name: string, value: ClaimValue): API;
    addScope(scope: string): void;
    removeScope(scope: string): void;
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
    enable(
      provider: MultifactorProvider,
      options?: { allowRememberBrowser?: boolean; providerOptions?: Record<string, unknown> },
    ): API;
  };
  cache: {
    get(key: string): CacheRecord | undefined;
    set(key: string, value: string, options?: CacheSetOptions): CacheWriteResult;
    delete(key: string): CacheDeleteResult;
  };
  prompt: {
    render(formId: string, options?: { fields?: Record<string, unknown>; vars?: Record<string, unknown> }): void;
  };
  transaction: {
    /** `null` removes the key. */
    setMetadata(key: string, value: TransactionMetadataValue | null): void;
  };
  /** [Enterprise Customers] */
  session: {
    setExpiresAt(epochMs: number): void;
    setIdleExpiresAt(epochMs: number): void;
    revoke(reason: string, options?: { preserveRefreshTokens?: boolean }): void;
    /** [Early Access] The last call wins. */
    setCookieMode(mode: SessionCookieMode): void;
    /** [Early Access] `null` removes the key. */
    setMetadata(key: string, value: string | null): void;
    deleteMetadata(key: string): void;
    evictMetadata(): void;
  };
  /** [Enterprise Customers] */
  refreshToken: {
    setExpiresAt(epochMs: number): void;
    setIdleExpiresAt(epochMs: number): void;
    revoke(reason: string): void;
    /** `null` removes the key. */
    setMetadata(key: string, value: string | null): void;
    deleteMetadata(key: string): void;
    evictMetadata(): void;
  };
  samlResponse: {
    /** `null` removes the attribute. */
    setAttribute(attribute: string, value: SamlAttributeValue): void;
    setAudience(audience: string): void;
    setIssuer(issuer: string): void;
    setRecipient(recipient: string): void;
    setDestination(destination: string): void;
    setRelayState(relayState: string): void;
    setLifetimeInSeconds(seconds: number): void;
    setNameIdentifierFormat(format: string): void;
    setNameIdentifierProbes(probes: string[]): void;
    setAuthnContextClassRef(classRef: string): void;
    setCreateUpnClaim(create: boolean): void;
    setPassthroughClaimsWithNoMapping(passthrough: boolean): void;
    setMapUnknownClaimsAsIs(asIs: boolean): void;
    setMapIdentities(map: boolean): void;
    setSignResponse(sign: boolean): void;
    setIncludeAttributeNameFormat(include: boolean): void;
    setTypedAttributes(typed: boolean): void;
    /** `rsa-sha1` is deprecated. */
    setSignatureAlgorithm(algorithm: 'rsa-sha256' | 'rsa-sha1'): void;
    /** `sha1` is deprecated. */
    setDigestAlgorithm(algorithm: 'sha256' | 'sha1'): void;
    /** `aes256-cbc` is deprecated. */
    setEncryptionAlgorithm(algorithm: 'aes256-gcm' | 'aes256-cbc'): void;
    setSigningCert(pem: string): void;
    setEncryptionCert(pem: string): void;
    setEncryptionPublicKey(pem: string): void;
    setCert(pem: string): void;
    setKey(pem: string): void;
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
