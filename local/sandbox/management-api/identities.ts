import { badRequest } from '../errors';
import type { ApiContext, RouteModule } from './context';
import { assertMayActOnUser, type UserScopes } from './current-user';
import { idParams, string, stringEnum, strictObject } from './schema';
import { STRATEGY_NAMES } from './strategies';

interface LinkBody {
  provider?: string;
  user_id?: string | number;
  connection_id?: string;
  link_with?: string;
}

const IDENTITY_SCOPES: UserScopes = { anyUser: ['update:users'], currentUser: 'update:current_user_identities' };

export const registerIdentities: RouteModule = (app, { store }: ApiContext) => {
  app.post<{ Params: { id: string }; Body: LinkBody }>(
    '/users/:id/identities',
    {
      schema: {
        params: idParams(),
        body: strictObject({
          provider: stringEnum(STRATEGY_NAMES),
          user_id: { type: ['string', 'integer'] },
          connection_id: string({ minLength: 1 }),
          link_with: string({ minLength: 1 }),
        }),
      },
      config: { scopes: ['update:users', 'update:current_user_identities'] },
    },
    async (request, reply) => {
      assertMayActOnUser(request.caller, request.params.id, IDENTITY_SCOPES);
      const { provider, user_id: userId, connection_id: connectionId, link_with: linkWith } = request.body;
      if (linkWith !== undefined) {
        throw badRequest(
          'link_with (linking with a user token) is not supported by the sandbox; send provider and user_id.',
          'operation_not_supported',
        );
      }
      if (provider === undefined || userId === undefined) {
        throw badRequest("Payload validation error: 'Missing required property: provider and user_id (or link_with)'.");
      }
      const identities = store.users.link(request.params.id, {
        provider,
        identityId: String(userId),
        ...(connectionId !== undefined ? { connectionId } : {}),
      });
      return reply.code(201).send(identities);
    },
  );

  app.delete<{ Params: { id: string; provider: string; user_id: string } }>(
    '/users/:id/identities/:provider/:user_id',
    {
      schema: {
        params: strictObject(
          { id: string({ minLength: 1 }), provider: stringEnum(STRATEGY_NAMES), user_id: string({ minLength: 1 }) },
          ['id', 'provider', 'user_id'],
        ),
      },
      config: { scopes: ['update:users', 'update:current_user_identities'] },
    },
    async (request) => {
      assertMayActOnUser(request.caller, request.params.id, IDENTITY_SCOPES);
      return store.users.unlink(request.params.id, request.params.provider, request.params.user_id);
    },
  );
};
