// The table lives with the Actions, which check some of these limits and import nothing from here.
export { LIMITS } from '../../actions/lib/limits';

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
