import type { ResourceServer, ResourceServerCreate, ResourceServerUpdate } from '../store/resource-servers';
import { registerCrud } from './crud';
import type { ApiContext, RouteModule } from './context';
import { pageOf, pageQuery, pagedBody, type PageQuery } from './query';
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
} from './schema';

const RESOURCE_SERVER_FIELDS = {
  name: string({ minLength: 1, maxLength: 200, pattern: '^[^<>]+$' }),
  scopes: arrayOf(
    strictObject({ value: string({ minLength: 1, maxLength: 280 }), description: string({ maxLength: 500 }) }, [
      'value',
    ]),
  ),
  signing_alg: stringEnum(['HS256', 'RS256', 'RS512', 'PS256']),
  signing_secret: string({ minLength: 16 }),
  allow_offline_access: boolean,
  allow_online_access: boolean,
  allow_online_access_with_ephemeral_sessions: boolean,
  token_lifetime: integer({ minimum: 1, maximum: 2592000 }),
  token_lifetime_for_web: integer({ minimum: 1, maximum: 2592000 }),
  token_dialect: stringEnum(['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz']),
  skip_consent_for_verifiable_first_party_clients: boolean,
  enforce_policies: boolean,
  token_encryption: nullable(anyObject),
  consent_policy: nullable(stringEnum(['transactional-authorization-with-mfa'])),
  authorization_details: nullable(arrayOf(anyObject)),
  proof_of_possession: nullable(anyObject),
  subject_type_authorization: anyObject,
  authorization_policy: nullable(anyObject),
};

const createBody = strictObject({ identifier: string({ minLength: 1, maxLength: 600 }), ...RESOURCE_SERVER_FIELDS }, [
  'identifier',
]);
const updateBody = strictObject(RESOURCE_SERVER_FIELDS);

interface ListQuery extends PageQuery {
  identifiers?: string[];
}

export const registerResourceServers: RouteModule = (app, { store }: ApiContext) => {
  registerCrud<ResourceServer, ResourceServerCreate, ResourceServerUpdate, ListQuery, unknown>(app, {
    path: '/resource-servers',
    repository: store.resourceServers,
    scopes: {
      read: ['read:resource_servers'],
      create: ['create:resource_servers'],
      update: ['update:resource_servers'],
      delete: ['delete:resource_servers'],
    },
    schemas: { listQuery: strictObject({ ...pageQuery, identifiers: stringArray() }), createBody, updateBody },
    list: (query) => {
      const servers = store.resourceServers
        .list()
        .filter((server) => !query.identifiers || query.identifiers.includes(server.identifier));
      return pagedBody('resource_servers', pageOf(servers, query), servers.length, query);
    },
  });
};
