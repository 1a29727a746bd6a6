/**
 * The limits Auth0 enforces on post-login Actions (https://auth0.com/docs/customize/actions/limitations).
 * One place, shared by the Actions, the runtime, the build and the validator, so they cannot disagree.
 */
export const LIMITS = {
  codeSizeBytes: 100 * 1024,
  triggerBudgetMs: 20_000,
  actionsPerTrigger: 20,
  actionsPerTenant: 100,
  secretsPerAction: 30,
  secretNameChars: 128,
  secretValueChars: 4096,
  dependenciesPerAction: 10,
  logCharsPerAction: 256,
  metadataBytesPerSession: 32 * 1024,
  cache: {
    entries: 20,
    keyBytes: 64,
    valueBytes: 4 * 1024,
    totalBytes: 8 * 1024,
    maxTtlMs: 24 * 60 * 60 * 1000,
    defaultTtlMs: 15 * 60 * 1000,
  },
  transactionMetadata: { keyChars: 64, valueBytes: 8 * 1024, totalBytes: 16 * 1024 },
  customClaimsBytesPerToken: 100 * 1024,
  primaryUserIdChars: 128,
  scopeChars: 280,
  clientMetadata: { keys: 10, valueChars: 255 },
} as const;

/** app_metadata names Auth0 reserves for itself; writing them from an Action fails. */
export const RESERVED_APP_METADATA_NAMES: ReadonlySet<string> = new Set([
  '__tenant', '_id', 'blocked', 'clientID', 'created_at', 'email_verified', 'email', 'globalClientID',
  'global_client_id', 'identities', 'lastIP', 'lastLogin', 'loginsCount', 'logins_count', 'metadata',
  'multifactor', 'multifactor_last_modified', 'updated_at', 'user_id',
]);

/** OIDC and Auth0-internal claims: `setCustomClaim` silently ignores them. */
export const RESTRICTED_CLAIMS: ReadonlySet<string> = new Set([
  'acr', 'act', 'active', 'amr', 'at_hash', 'ath', 'attest', 'aud', 'auth_time', 'authorization_details',
  'azp', 'c_hash', 'client_id', 'cnf', 'cty', 'dest', 'entitlements', 'events', 'exp', 'groups', 'gty',
  'htm', 'htu', 'iat', 'internalService', 'iss', 'jcard', 'jku', 'jti', 'jwe', 'jwk', 'kid', 'may_act',
  'mky', 'nbf', 'nonce', 'object_id', 'org_id', 'org_name', 'orig', 'origid', 'permissions', 'roles',
  'rph', 's_hash', 'sid', 'sip_callid', 'sip_cseq_num', 'sip_date', 'sip_from_tag', 'sip_via_branch',
  'sub', 'sub_jwk', 'toe', 'txn', 'typ', 'uuid', 'vot', 'vtm', 'x5t#S256',
]);

/** Protocols on which Auth0 cannot redirect the browser (the app gets `interaction_required`). */
export const NON_INTERACTIVE_PROTOCOLS: ReadonlySet<string> = new Set([
  'oauth2-resource-owner', 'oauth2-password', 'oauth2-refresh-token', 'oauth2-webauthn',
]);
