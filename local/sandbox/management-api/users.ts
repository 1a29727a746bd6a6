import { Mailer, Outbox } from '../email';
import { badRequest, forbidden } from '../errors';
import type { UserCreate, UserUpdate } from '../store/users';
import type { ApiContext, RouteModule } from './context';
import { assertMayActOnUser, type UserScopes } from './current-user';
import { assertValidMetadata } from './metadata';
import { fieldsQuery, pagedBody, pageQuery, pageWindow, selectFields, type FieldsQuery, type PageQuery } from './query';
import { anyObject, boolean, idParams, nullable, string, stringEnum, strictObject } from './schema';

const PROFILE_FIELDS = {
  given_name: string({ minLength: 1, maxLength: 150 }),
  family_name: string({ minLength: 1, maxLength: 150 }),
  name: string({ minLength: 1, maxLength: 300 }),
  nickname: string({ minLength: 1, maxLength: 300 }),
  picture: string({ minLength: 1 }),
  username: string({ minLength: 1, maxLength: 128 }),
  phone_number: string({ pattern: '^\\+[0-9]{1,15}$' }),
};

const createBody = strictObject(
  {
    ...PROFILE_FIELDS,
    connection: string({ minLength: 1 }),
    email: string({ format: 'email' }),
    password: string({ minLength: 1 }),
    email_verified: boolean,
    phone_verified: boolean,
    verify_email: boolean,
    blocked: boolean,
    user_id: string({ minLength: 1, maxLength: 255 }),
    app_metadata: anyObject,
    user_metadata: anyObject,
  },
  ['connection'],
);

const updateBody = strictObject({
  ...Object.fromEntries(Object.entries(PROFILE_FIELDS).map(([key, schema]) => [key, nullable(schema)])),
  blocked: boolean,
  email_verified: boolean,
  email: nullable(string({ format: 'email' })),
  password: nullable(string({ minLength: 1 })),
  phone_verified: boolean,
  app_metadata: anyObject,
  user_metadata: anyObject,
  connection: string({ minLength: 1 }),
  client_id: string({ minLength: 1 }),
  verify_email: boolean,
  verify_phone_number: boolean,
});

interface ListQuery extends PageQuery, FieldsQuery {
  q?: string;
  sort?: string;
  connection?: string;
  search_engine?: string;
}

// Auth0's user search only pages through the first 1000 results.
const SEARCH_WINDOW = 1000;

/** Fields a token with only metadata scopes may still change, as in Auth0. */
const METADATA_ONLY = new Set(['app_metadata', 'user_metadata']);

const READ_SCOPES: UserScopes = { anyUser: ['read:users', 'read:user_idp_tokens'], currentUser: 'read:current_user' };
const DELETE_SCOPES: UserScopes = { anyUser: ['delete:users'], currentUser: 'delete:current_user' };
const UPDATE_ANY_FIELD: UserScopes = { anyUser: ['update:users'] };
const UPDATE_APP_METADATA: UserScopes = { anyUser: ['update:users', 'update:users_app_metadata'] };
const UPDATE_USER_METADATA: UserScopes = { ...UPDATE_APP_METADATA, currentUser: 'update:current_user_metadata' };

/** What a PATCH payload needs: profile fields need update:users, app_metadata a users scope, user_metadata alone may be the caller's own. */
function updateScopes(body: UserUpdate): UserScopes {
  if (Object.keys(body).some((field) => !METADATA_ONLY.has(field))) return UPDATE_ANY_FIELD;
  if (body.app_metadata !== undefined) return UPDATE_APP_METADATA;
  return UPDATE_USER_METADATA;
}

/**
 * Whether `POST /users` sends verify_email: for a database user with an email, unless the email is
 * already verified; `verify_email` decides either way when sent
 * (https://auth0.com/docs/api/management/v2/users/post-users).
 */
export function sendsVerificationEmail(
  body: Pick<UserCreate, 'email' | 'email_verified' | 'verify_email'>,
  strategy: string | undefined,
): boolean {
  if (strategy !== 'auth0' || body.email === undefined) return false;
  return body.verify_email ?? body.email_verified !== true;
}

export const registerUsers: RouteModule = (app, { store, oidc, endpoint }: ApiContext) => {
  const mailer = new Mailer(store, new Outbox(store.db), endpoint);

  app.get<{ Querystring: ListQuery }>(
    '/users',
    {
      schema: {
        querystring: strictObject({
          ...pageQuery,
          ...fieldsQuery,
          q: string(),
          sort: string(),
          connection: string(),
          search_engine: stringEnum(['v1', 'v2', 'v3']),
        }),
      },
      config: { scopes: ['read:users'] },
    },
    async (request) => {
      const { query } = request;
      if (query.search_engine && query.search_engine !== 'v3') {
        throw forbidden(
          `You are not allowed to use search_engine=${query.search_engine}. Use search_engine=v3.`,
          'operation_not_supported',
        );
      }
      const { offset, limit } = pageWindow(query);
      if (offset + limit > SEARCH_WINDOW) {
        throw badRequest(`You can only page through the first ${SEARCH_WINDOW} records.`, 'invalid_paging');
      }
      const { users, total } = store.users.search({
        q: query.q,
        sort: query.sort,
        connection: query.connection,
        offset,
        limit,
      });
      return pagedBody(
        'users',
        users.map((user) => selectFields(user, query)),
        total,
        query,
      );
    },
  );

  app.post<{ Body: UserCreate }>(
    '/users',
    {
      schema: { body: createBody },
      config: { scopes: ['create:users'] },
    },
    async (request, reply) => {
      assertValidMetadata(request.body);
      const user = store.users.create(request.body);
      if (sendsVerificationEmail(request.body, store.connections.getByName(request.body.connection)?.strategy)) {
        mailer.sendEmail({ template: 'verify_email', user });
      }
      return reply.code(201).send(user);
    },
  );

  app.get<{ Params: { id: string }; Querystring: FieldsQuery }>(
    '/users/:id',
    {
      schema: { params: idParams(), querystring: strictObject({ ...fieldsQuery }) },
      config: { scopes: ['read:users', 'read:current_user', 'read:user_idp_tokens'] },
    },
    async (request) => {
      assertMayActOnUser(request.caller, request.params.id, READ_SCOPES);
      return selectFields(store.users.require(request.params.id), request.query);
    },
  );

  app.patch<{ Params: { id: string }; Body: UserUpdate }>(
    '/users/:id',
    {
      schema: { params: idParams(), body: updateBody },
      config: { scopes: ['update:users', 'update:users_app_metadata', 'update:current_user_metadata'] },
    },
    async (request) => {
      assertMayActOnUser(request.caller, request.params.id, updateScopes(request.body));
      assertValidMetadata(request.body);
      return store.users.update(request.params.id, request.body);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/users/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:users', 'delete:current_user'] },
    },
    async (request, reply) => {
      assertMayActOnUser(request.caller, request.params.id, DELETE_SCOPES);
      const user = store.users.require(request.params.id);
      // Its sessions, refresh tokens and grants go with it; its logs stay, as on Auth0.
      store.db.transaction(() => {
        store.users.delete(user.user_id);
        oidc.forgetUser(user.user_id);
      })();
      store.logs.record({
        type: 'sdu',
        description: 'User deleted',
        user_id: user.user_id,
        user_name: user.email ?? '',
        ...(user.identities[0] ? { connection: user.identities[0].connection } : {}),
        ...(request.caller ? { client_id: request.caller.clientId } : {}),
      });
      return reply.code(204).send();
    },
  );
};
