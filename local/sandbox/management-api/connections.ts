import { Management } from 'auth0';
import type { Connection, ConnectionCreate, ConnectionUpdate, EnabledClientChange } from '../store/connections';
import { registerCrud } from './crud';
import type { ApiContext, RouteModule } from './context';
import { STRATEGY_NAMES } from './strategies';
import {
  checkpointOf,
  checkpointQuery,
  fieldsQuery,
  isCheckpoint,
  pageOf,
  pageQuery,
  pagedBody,
  selectFields,
  type CheckpointQuery,
  type FieldsQuery,
  type PageQuery,
} from './query';
import { arrayOf, boolean, idParams, integer, nullable, string, stringArray, stringEnum, strictObject } from './schema';

/**
 * Connection options are strategy-specific and open-ended in Auth0; the ones this project relies
 * on are type-checked so a wrong type or value fails here instead of at login.
 */
const options = {
  type: 'object',
  properties: {
    passwordPolicy: nullable(stringEnum(Management.ConnectionPasswordPolicyEnum)),
    password_history: strictObject({ enable: boolean, size: integer({ minimum: 0, maximum: 24 }) }),
    password_no_personal_info: strictObject({ enable: boolean }),
    password_dictionary: strictObject({ enable: boolean, dictionary: stringArray() }),
    password_complexity_options: strictObject({ min_length: integer({ minimum: 1, maximum: 128 }) }),
    brute_force_protection: boolean,
    disable_signup: boolean,
    requires_username: boolean,
    import_mode: boolean,
    enabledDatabaseCustomization: boolean,
    customScripts: { type: 'object', additionalProperties: string() },
    set_user_root_attributes: stringEnum(Management.ConnectionSetUserRootAttributesEnum),
    non_persistent_attrs: stringArray(),
    client_id: string(),
    client_secret: string(),
    scope: { type: ['string', 'array'], items: string() },
    mfa: strictObject({ active: boolean, return_enroll_settings: boolean }),
  },
};

const CONNECTION_FIELDS = {
  display_name: string({ maxLength: 128 }),
  options,
  enabled_clients: stringArray(),
  is_domain_connection: boolean,
  show_as_button: boolean,
  realms: stringArray(),
  metadata: { type: 'object', maxProperties: 10, additionalProperties: string({ maxLength: 255 }) },
  authentication: strictObject({ active: boolean }),
  connected_accounts: strictObject({ active: boolean, cross_app_access: boolean }),
};

const createBody = strictObject(
  {
    // Auth0: letters, digits and dashes, not starting or ending with a dash, at most 128 characters.
    name: string({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$' }),
    strategy: stringEnum(STRATEGY_NAMES),
    ...CONNECTION_FIELDS,
  },
  ['name', 'strategy'],
);

const updateBody = strictObject({
  ...CONNECTION_FIELDS,
  options: nullable(options),
  enabled_clients: nullable(stringArray()),
});

interface ListQuery extends PageQuery, CheckpointQuery, FieldsQuery {
  strategy?: string[];
  name?: string;
}

const listQuery = strictObject({
  ...pageQuery,
  ...checkpointQuery,
  ...fieldsQuery,
  strategy: arrayOf(stringEnum(STRATEGY_NAMES)),
  name: string(),
});

const enabledClientsBody = arrayOf(
  strictObject({ client_id: string({ minLength: 1 }), status: boolean }, ['client_id', 'status']),
  { maxItems: 50 },
);

export const registerConnections: RouteModule = (app, { store }: ApiContext) => {
  registerCrud<Connection, ConnectionCreate, ConnectionUpdate, ListQuery, FieldsQuery>(app, {
    path: '/connections',
    repository: store.connections,
    scopes: {
      read: ['read:connections'],
      create: ['create:connections'],
      update: ['update:connections'],
      delete: ['delete:connections'],
    },
    schemas: { listQuery, readQuery: strictObject({ ...fieldsQuery }), createBody, updateBody },
    list: (query) => {
      const entries = store.connections.list({ strategies: query.strategy, name: query.name });
      if (isCheckpoint(query)) {
        const { items, next } = checkpointOf(
          entries.map(({ seq, connection }) => ({ seq, item: connection })),
          query,
        );
        return { connections: items.map((connection) => selectFields(connection, query)), ...(next ? { next } : {}) };
      }
      const page = pageOf(entries, query).map(({ connection }) => selectFields(connection, query));
      return pagedBody('connections', page, entries.length, query);
    },
    show: (connection, query) => selectFields(connection, query),
    // Auth0 deletes connections asynchronously and answers 202.
    deleteStatus: 202,
  });

  app.get<{ Params: { id: string }; Querystring: CheckpointQuery }>(
    '/connections/:id/clients',
    {
      schema: { params: idParams(), querystring: strictObject({ ...checkpointQuery }) },
      config: { scopes: ['read:connections'] },
    },
    async (request) => {
      const { id } = request.params;
      store.connections.require(id);
      const entries = store.connections
        .enabledClients(id)
        .map((clientId, seq) => ({ seq, item: { client_id: clientId } }));
      const { items, next } = checkpointOf(entries, request.query);
      return { clients: items, ...(next ? { next } : {}) };
    },
  );

  app.patch<{ Params: { id: string }; Body: EnabledClientChange[] }>(
    '/connections/:id/clients',
    {
      schema: { params: idParams(), body: enabledClientsBody },
      config: { scopes: ['update:connections'] },
    },
    async (request, reply) => {
      store.connections.changeEnabledClients(request.params.id, request.body);
      return reply.code(204).send();
    },
  );
};
