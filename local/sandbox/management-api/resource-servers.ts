import type { ResourceServerCreate, ResourceServerUpdate } from '../store/resource-servers';
import type { ApiContext, RouteModule } from './context';
import { pageOf, pageQuery, pagedBody, type PageQuery } from './query';
import { anyObject, arrayOf, boolean, idParams, integer, nullable, string, stringArray, stringEnum, strictObject } from './schema';

const RESOURCE_SERVER_FIELDS = {
  name: string({ minLength: 1, maxLength: 200, pattern: '^[^<>]+$' }),
  scopes: arrayOf(strictObject({ value: string({ minLength: 1, maxLength: 280 }), description: string({ maxLength: 500 }) }, ['value'])),
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

const createBody = strictObject({ identifier: string({ minLength: 1, maxLength: 600 }), ...RESOURCE_SERVER_FIELDS }, ['identifier']);
const updateBody = strictObject(RESOURCE_SERVER_FIELDS);

interface ListQuery extends PageQuery {
  identifiers?: string[];
}

export const registerResourceServers: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Querystring: ListQuery }>('/resource-servers', {
    schema: { querystring: strictObject({ ...pageQuery, identifiers: stringArray() }) },
    config: { scopes: ['read:resource_servers'] },
  }, async (request) => {
    const { query } = request;
    const servers = store.resourceServers.list().filter((server) => !query.identifiers || query.identifiers.includes(server.identifier));
    return pagedBody('resource_servers', pageOf(servers, query), servers.length, query);
  });

  app.get<{ Params: { id: string } }>('/resource-servers/:id', {
    schema: { params: idParams() },
    config: { scopes: ['read:resource_servers'] },
  }, async (request) => store.resourceServers.require(request.params.id));

  app.post<{ Body: ResourceServerCreate }>('/resource-servers', {
    schema: { body: createBody },
    config: { scopes: ['create:resource_servers'] },
  }, async (request, reply) => reply.code(201).send(store.resourceServers.create(request.body)));

  app.patch<{ Params: { id: string }; Body: ResourceServerUpdate }>('/resource-servers/:id', {
    schema: { params: idParams(), body: updateBody },
    config: { scopes: ['update:resource_servers'] },
  }, async (request) => store.resourceServers.update(request.params.id, request.body));

  app.delete<{ Params: { id: string } }>('/resource-servers/:id', {
    schema: { params: idParams() },
    config: { scopes: ['delete:resource_servers'] },
  }, async (request, reply) => {
    store.resourceServers.delete(request.params.id);
    return reply.code(204).send();
  });
};
