import { Management } from 'auth0';
import type { TenantSettingsUpdate } from '../store/tenant';
import type { ApiContext, RouteModule } from './context';
import { fieldsQuery, selectFields, type FieldsQuery } from './query';
import { anyObject, boolean, nullable, number, string, stringArray, stringEnum, strictObject } from './schema';

// The flags Auth0 accepts on PATCH /tenants/settings; an unknown flag is a payload error there too.
const FLAGS = [
  'change_pwd_flow_v1',
  'enable_apis_section',
  'disable_impersonation',
  'enable_client_connections',
  'enable_pipeline2',
  'allow_legacy_delegation_grant_types',
  'allow_legacy_ro_grant_types',
  'allow_legacy_tokeninfo_endpoint',
  'enable_legacy_profile',
  'enable_idtoken_api2',
  'enable_public_signup_user_exists_error',
  'enable_sso',
  'allow_changing_enable_sso',
  'disable_clickjack_protection_headers',
  'no_disclose_enterprise_connections',
  'enforce_client_authentication_on_passwordless_start',
  'enable_adfs_waad_email_verification',
  'revoke_refresh_token_grant',
  'dashboard_log_streams_next',
  'dashboard_insights_view',
  'disable_fields_map_fix',
  'mfa_show_factor_list_on_enrollment',
  'remove_alg_from_jwks',
  'improved_signup_bot_detection_in_classic',
  'genai_trial',
  'local_resource_discovery',
  'enable_dynamic_client_registration',
  'disable_management_api_sms_obfuscation',
  'trust_azure_adfs_email_verified_connection_property',
  'custom_domains_provisioning',
  'require_pushed_authorization_requests',
  'use_scope_descriptions_for_consent',
];

const settingsBody = strictObject({
  change_password: nullable(anyObject),
  device_flow: nullable(anyObject),
  guardian_mfa_page: nullable(anyObject),
  default_audience: string(),
  default_directory: string(),
  error_page: nullable(anyObject),
  default_token_quota: nullable(anyObject),
  flags: strictObject(Object.fromEntries(FLAGS.map((flag) => [flag, boolean]))),
  friendly_name: string(),
  picture_url: string(),
  support_email: string(),
  support_url: string(),
  allowed_logout_urls: stringArray(),
  session_lifetime: number({ minimum: 1 }),
  session_lifetime_in_minutes: number({ minimum: 1 }),
  idle_session_lifetime: number({ minimum: 1 }),
  idle_session_lifetime_in_minutes: number({ minimum: 1 }),
  ephemeral_session_lifetime: number({ minimum: 1 }),
  idle_ephemeral_session_lifetime: number({ minimum: 1 }),
  ephemeral_session_lifetime_in_minutes: number({ minimum: 1 }),
  idle_ephemeral_session_lifetime_in_minutes: number({ minimum: 1 }),
  sandbox_version: stringEnum(['18', '22']),
  legacy_sandbox_version: string(),
  default_redirection_uri: string(),
  enabled_locales: stringArray({ minItems: 1 }),
  security_headers: nullable(anyObject),
  session_cookie: nullable(strictObject({ mode: stringEnum(Management.SessionCookieModeEnum) }, ['mode'])),
  sessions: nullable(anyObject),
  oidc_logout: anyObject,
  customize_mfa_in_postlogin_action: nullable(boolean),
  allow_organization_name_in_authentication_api: nullable(boolean),
  acr_values_supported: nullable(stringArray()),
  mtls: nullable(anyObject),
  pushed_authorization_requests_supported: nullable(boolean),
  authorization_response_iss_parameter_supported: nullable(boolean),
  skip_non_verifiable_callback_uri_confirmation_prompt: nullable(boolean),
  resource_parameter_profile: anyObject,
  client_id_metadata_document_supported: boolean,
  enable_ai_guide: boolean,
  phone_consolidated_experience: boolean,
  include_session_metadata_in_tenant_logs: boolean,
  dynamic_client_registration_security_mode: anyObject,
  country_codes: nullable(anyObject),
});

export const registerTenantSettings: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Querystring: FieldsQuery }>(
    '/tenants/settings',
    {
      schema: { querystring: strictObject({ ...fieldsQuery }) },
      config: { scopes: ['read:tenant_settings'] },
    },
    async (request) => selectFields(store.tenant.settings(), request.query),
  );

  app.patch<{ Body: TenantSettingsUpdate }>(
    '/tenants/settings',
    {
      schema: { body: settingsBody },
      config: { scopes: ['update:tenant_settings'] },
    },
    async (request) => store.tenant.updateSettings(request.body),
  );
};
