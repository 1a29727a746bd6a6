/**
 * Management API scope names (Auth0's, as listed on the API's permissions page). The sandbox's
 * "Auth0 Management API" resource server defines all of them so client grants naming any real
 * scope are accepted and a typo is rejected; only the routes under management-api/ are served.
 */
export const MANAGEMENT_API_SCOPES: readonly string[] = [
  ...crud('client_grants'), ...crud('users'), ...crud('users_app_metadata'), ...crud('user_custom_blocks', ['read', 'create', 'delete']),
  'create:user_tickets', 'read:user_idp_tokens', ...crud('clients'), ...crud('client_keys'), ...crud('client_credentials'),
  ...crud('connections'), 'read:connections_options', 'update:connections_options', ...crud('resource_servers'),
  ...crud('device_credentials'), ...crud('rules'), ...crud('rules_configs', ['read', 'update', 'delete']), ...crud('hooks'),
  ...crud('actions'), ...crud('email_provider'), 'blacklist:tokens', 'read:stats', 'read:insights', 'read:tenant_settings',
  'update:tenant_settings', 'read:logs', 'read:logs_users', ...crud('shields'), 'read:anomaly_blocks', 'delete:anomaly_blocks',
  'update:triggers', 'read:triggers', 'read:grants', 'delete:grants', 'read:guardian_factors', 'update:guardian_factors',
  'read:guardian_enrollments', 'delete:guardian_enrollments', 'create:guardian_enrollment_tickets',
  'create:passwords_checking_job', 'delete:passwords_checking_job', ...crud('custom_domains'),
  ...crud('email_templates', ['read', 'create', 'update']), 'read:mfa_policies', 'update:mfa_policies', ...crud('roles'),
  'read:prompts', 'update:prompts', ...crud('branding', ['read', 'update', 'delete']), ...crud('log_streams'),
  ...crud('signing_keys', ['create', 'read', 'update']), 'read:limits', 'update:limits', ...crud('role_members', ['create', 'read', 'delete']),
  'read:entitlements', 'read:attack_protection', 'update:attack_protection', 'read:organizations_summary',
  ...crud('authentication_methods'), ...crud('organizations'), ...crud('organization_members', ['create', 'read', 'delete']),
  ...crud('organization_connections'), ...crud('organization_member_roles', ['create', 'read', 'delete']),
  ...crud('organization_invitations', ['create', 'read', 'delete']), ...crud('scim_config'), ...crud('scim_token', ['create', 'read', 'delete']),
  ...crud('phone_providers'), ...crud('phone_templates'), ...crud('encryption_keys'), 'read:sessions', 'delete:sessions',
  'read:refresh_tokens', 'delete:refresh_tokens', ...crud('self_service_profiles'), 'create:sso_access_tickets', ...crud('forms'),
  ...crud('flows'), 'read:flows_vault', ...crud('flows_vault_connections'), 'read:flows_executions', 'delete:flows_executions',
  'read:current_user', 'update:current_user_metadata', 'delete:current_user', 'update:current_user_identities',
];

function crud(resource: string, verbs: readonly string[] = ['read', 'create', 'update', 'delete']): string[] {
  return verbs.map((verb) => `${verb}:${resource}`);
}
