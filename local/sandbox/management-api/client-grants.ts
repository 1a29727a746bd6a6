import { Management } from 'auth0';
import type { ClientGrant, ClientGrantCreate, ClientGrantUpdate } from '../store/client-grants';
import { registerCrud } from './crud';
import type { ApiContext, RouteModule } from './context';
import {
  checkpointOf,
  checkpointQuery,
  isCheckpoint,
  pageOf,
  pageQuery,
  pagedBody,
  type CheckpointQuery,
  type PageQuery,
} from './query';
import { boolean, nullable, string, stringArray, stringEnum, strictObject } from './schema';

const GRANT_FIELDS = {
  organization_usage: stringEnum(Management.ClientGrantOrganizationUsageEnum),
  allow_any_organization: boolean,
  scope: stringArray(),
  authorization_details_types: stringArray(),
  allow_all_scopes: boolean,
};

const createBody = strictObject(
  {
    client_id: string({ minLength: 1 }),
    audience: string({ minLength: 1 }),
    subject_type: stringEnum(['client', 'user']),
    ...GRANT_FIELDS,
  },
  ['client_id', 'audience'],
);

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
  registerCrud<ClientGrant, ClientGrantCreate, ClientGrantUpdate, ListQuery, unknown>(app, {
    path: '/client-grants',
    repository: store.clientGrants,
    scopes: {
      read: ['read:client_grants'],
      create: ['create:client_grants'],
      update: ['update:client_grants'],
      delete: ['delete:client_grants'],
    },
    schemas: { listQuery, createBody, updateBody },
    list: (query) => {
      const entries = store.clientGrants.list({ audience: query.audience, clientId: query.client_id });
      if (isCheckpoint(query)) {
        const { items, next } = checkpointOf(
          entries.map(({ seq, grant }) => ({ seq, item: grant })),
          query,
        );
        return { client_grants: items, ...(next ? { next } : {}) };
      }
      return pagedBody(
        'client_grants',
        pageOf(entries, query).map(({ grant }) => grant),
        entries.length,
        query,
      );
    },
  });
};
