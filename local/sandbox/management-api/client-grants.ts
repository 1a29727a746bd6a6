import type { ClientGrantCreate, ClientGrantUpdate } from '../store/client-grants';
import type { ApiContext, RouteModule } from './context';
import { checkpointOf, checkpointQuery, isCheckpoint, pageOf, pageQuery, pagedBody, type CheckpointQuery, type PageQuery } from './query';
import { boolean, idParams, nullable, string, stringArray, stringEnum, strictObject } from './schema';

const GRANT_FIELDS = {
  organization_usage: stringEnum(['deny', 'allow', 'require']),
  allow_any_organization: boolean,
  scope: stringArray(),
  authorization_details_types: stringArray(),
  allow_all_scopes: boolean,
};

const createBody = strictObject({
  client_id: string({ minLength: 1 }),
  audience: string({ minLength: 1 }),
  subject_type: stringEnum(['client', 'user']),
  ...GRANT_FIELDS,
}, ['client_id', 'audience']);

const updateBody = strictObject({
  organization_usage: nullable(GRANT_FIELDS.organization_usage),
  allow_any_organization: nullable(boolean),
  scope: nullable(stringArray()),
  authorization_details_types: stringArray(),
  allow_all_scopes: nullable(boolean),
});

interface ListQuery extends PageQuery, CheckpointQuery {
  audience?: string;
  client_id?: string;
}

const listQuery = strictObject({
  ...pageQuery,
  ...checkpointQuery,
  audience: string(),
  client_id: string(),
});

export const registerClientGrants: RouteModule = (app, { store }: ApiContext) => {
  app.get<{ Querystring: ListQuery }>('/client-grants', {
    schema: { querystring: listQuery },
    config: { scopes: ['read:client_grants'] },
  }, async (request) => {
    const { query } = request;
    const entries = store.clientGrants.list({ audience: query.audience, clientId: query.client_id });
    if (isCheckpoint(query)) {
      const { items, next } = checkpointOf(entries.map(({ seq, grant }) => ({ seq, item: grant })), query);
      return { client_grants: items, ...(next ? { next } : {}) };
    }
    return pagedBody('client_grants', pageOf(entries, query).map(({ grant }) => grant), entries.length, query);
  });

  app.get<{ Params: { id: string } }>('/client-grants/:id', {
    schema: { params: idParams() },
    config: { scopes: ['read:client_grants'] },
  }, async (request) => store.clientGrants.require(request.params.id));

  app.post<{ Body: ClientGrantCreate }>('/client-grants', {
    schema: { body: createBody },
    config: { scopes: ['create:client_grants'] },
  }, async (request, reply) => reply.code(201).send(store.clientGrants.create(request.body)));

  app.patch<{ Params: { id: string }; Body: ClientGrantUpdate }>('/client-grants/:id', {
    schema: { params: idParams(), body: updateBody },
    config: { scopes: ['update:client_grants'] },
  }, async (request) => store.clientGrants.update(request.params.id, request.body));

  app.delete<{ Params: { id: string } }>('/client-grants/:id', {
    schema: { params: idParams() },
    config: { scopes: ['delete:client_grants'] },
  }, async (request, reply) => {
    store.clientGrants.delete(request.params.id);
    return reply.code(204).send();
  });
};
