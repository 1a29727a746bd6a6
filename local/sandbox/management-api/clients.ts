import { Management } from 'auth0';
import type { Client, ClientCreate, ClientUpdate } from '../store/clients';
import type { ApiContext, RouteModule } from './context';
import { registerCrud } from './crud';
import { fieldsQuery, pageOf, pageQuery, pagedBody, selectFields, type FieldsQuery, type PageQuery } from './query';
import {
  anyObject,
  arrayOf,
  boolean,
  integer,
  nullable,
  string,
  stringArray,
  stringEnum,
  strictObject,
  updateSchema,
} from './schema';

const APP_TYPES = [
  'native',
  'spa',
  'regular_web',
  'non_interactive',
  'resource_server',
  'express_configuration',
  'rms',
  'box',
  'cloudbees',
  'concur',
  'dropbox',
  'mscrm',
  'echosign',
  'egnyte',
  'newrelic',
  'office365',
  'salesforce',
  'sentry',
  'sharepoint',
  'slack',
  'springcm',
  'zendesk',
  'zoom',
  'sso_integration',
  'oag',
];

// client_metadata: at most 10 string values of at most 255 characters (Auth0's limits).
const clientMetadata = {
  type: 'object',
  maxProperties: 10,
  propertyNames: { maxLength: 255 },
  additionalProperties: string({ maxLength: 255 }),
};

const jwtConfiguration = strictObject({
  lifetime_in_seconds: integer({ minimum: 1 }),
  secret_encoded: boolean,
  scopes: anyObject,
  alg: stringEnum(Management.SigningAlgorithmEnum),
});

const refreshToken = strictObject({
  rotation_type: stringEnum(Management.RefreshTokenRotationTypeEnum),
  expiration_type: stringEnum(Management.RefreshTokenExpirationTypeEnum),
  leeway: integer({ minimum: 0 }),
  token_lifetime: integer({ minimum: 1 }),
  infinite_token_lifetime: boolean,
  idle_token_lifetime: integer({ minimum: 1 }),
  infinite_idle_token_lifetime: boolean,
  policies: arrayOf(anyObject),
});

const CLIENT_FIELDS = {
  name: string({ minLength: 1, pattern: '^[^<>]+$' }),
  description: string({ maxLength: 140 }),
  logo_uri: string(),
  callbacks: stringArray(),
  oidc_logout: anyObject,
  oidc_backchannel_logout: anyObject,
  session_transfer: anyObject,
  allowed_origins: stringArray(),
  web_origins: stringArray(),
  client_aliases: stringArray(),
  allowed_clients: stringArray(),
  allowed_logout_urls: stringArray(),
  grant_types: stringArray(),
  token_endpoint_auth_method: stringEnum(Management.ClientTokenEndpointAuthMethodEnum),
  is_token_endpoint_ip_header_trusted: boolean,
  app_type: stringEnum(APP_TYPES),
  is_first_party: boolean,
  oidc_conformant: boolean,
  jwt_configuration: jwtConfiguration,
  encryption_key: anyObject,
  sso: boolean,
  cross_origin_authentication: boolean,
  cross_origin_loc: string(),
  sso_disabled: boolean,
  custom_login_page_on: boolean,
  custom_login_page: string(),
  custom_login_page_preview: string(),
  form_template: string(),
  addons: anyObject,
  client_metadata: clientMetadata,
  mobile: anyObject,
  initiate_login_uri: string(),
  native_social_login: anyObject,
  fedcm_login: anyObject,
  refresh_token: refreshToken,
  default_organization: anyObject,
  organization_usage: stringEnum(Management.ClientOrganizationUsageEnum),
  organization_require_behavior: stringEnum(Management.ClientOrganizationRequireBehaviorEnum),
  organization_discovery_methods: stringArray(),
  client_authentication_methods: anyObject,
  require_pushed_authorization_requests: boolean,
  require_proof_of_possession: boolean,
  signed_request_object: anyObject,
  token_vault_privileged_access: anyObject,
  compliance_level: string(),
  skip_non_verifiable_callback_uri_confirmation_prompt: boolean,
  token_exchange: anyObject,
  par_request_expiry: integer({ minimum: 1 }),
  token_quota: anyObject,
  identity_assertion_authorization_grant: anyObject,
  third_party_security_mode: string(),
  redirection_policy: string(),
  express_configuration: anyObject,
  b2b_integration_configuration: anyObject,
  my_organization_configuration: anyObject,
  async_approval_notification_channels: anyObject,
};

const createBody = strictObject({ ...CLIENT_FIELDS, resource_server_identifier: string() }, ['name']);
const updateBody = (() => {
  const schema = updateSchema(CLIENT_FIELDS, {
    notNullable: [
      'name',
      'description',
      'logo_uri',
      'callbacks',
      'allowed_origins',
      'web_origins',
      'grant_types',
      'app_type',
      'client_aliases',
      'allowed_clients',
      'allowed_logout_urls',
      'is_first_party',
      'oidc_conformant',
      'sso',
      'sso_disabled',
      'cross_origin_authentication',
      'custom_login_page_on',
      'custom_login_page',
      'custom_login_page_preview',
      'form_template',
      'addons',
      'mobile',
      'initiate_login_uri',
      'require_pushed_authorization_requests',
      'require_proof_of_possession',
      'is_token_endpoint_ip_header_trusted',
      'third_party_security_mode',
      'redirection_policy',
      'jwt_configuration',
    ],
  }) as { properties: Record<string, unknown> };
  // Metadata keys are removed by sending them as null.
  schema.properties.client_metadata = { ...clientMetadata, additionalProperties: nullable(string({ maxLength: 255 })) };
  schema.properties.client_secret = string({ minLength: 1 });
  return schema;
})();

interface ListQuery extends PageQuery, FieldsQuery {
  is_global?: boolean;
  is_first_party?: boolean;
  app_type?: string;
}

const listQuery = strictObject({
  ...pageQuery,
  ...fieldsQuery,
  is_global: boolean,
  is_first_party: boolean,
  app_type: string(),
});

/** Auth0 only reveals client secrets to tokens holding read:client_keys. */
function present(client: Client, scopes: ReadonlySet<string> | undefined, query: FieldsQuery): Partial<Client> {
  const { client_secret: secret, ...rest } = client;
  const visible = scopes?.has('read:client_keys') && secret !== undefined ? { ...rest, client_secret: secret } : rest;
  return selectFields(visible, query);
}

export const registerClients: RouteModule = (app, { store }: ApiContext) => {
  registerCrud<Client, ClientCreate, ClientUpdate, ListQuery, FieldsQuery>(app, {
    path: '/clients',
    repository: store.clients,
    scopes: {
      read: ['read:clients', 'read:client_keys'],
      create: ['create:clients'],
      update: ['update:clients', 'update:client_keys'],
      delete: ['delete:clients'],
    },
    schemas: { listQuery, readQuery: strictObject({ ...fieldsQuery }), createBody, updateBody },
    list: (query, request) => {
      const appTypes = query.app_type?.split(',').map((type) => type.trim());
      const clients = store.clients
        .list()
        .filter(
          (client) =>
            (query.is_global === undefined || client.global === query.is_global) &&
            (query.is_first_party === undefined || client.is_first_party === query.is_first_party) &&
            (!appTypes || (client.app_type !== undefined && appTypes.includes(client.app_type))),
        );
      const page = pageOf(clients, query).map((client) => present(client, request.caller?.scopes, query));
      return pagedBody('clients', page, clients.length, query);
    },
    show: (client, query, request) => present(client, request.caller?.scopes, query),
  });
};
