import type { UserBlock } from '../store/users';
import type { ApiContext, RouteModule } from './context';
import { boolean, idParams, string, strictObject } from './schema';

interface BlocksQuery {
  consider_brute_force_enablement?: boolean;
}

const blocksQuery = strictObject({ consider_brute_force_enablement: boolean });
const identifierQuery = strictObject(
  { identifier: string({ minLength: 1 }), consider_brute_force_enablement: boolean },
  ['identifier'],
);

/** Brute-force blocks (not the `blocked` flag): what the login half records after failed attempts. */
export const registerUserBlocks: RouteModule = (app, { store }: ApiContext) => {
  // With consider_brute_force_enablement, blocks only count while brute-force protection blocks.
  const visible = (blocks: UserBlock[], query: BlocksQuery): UserBlock[] => {
    if (!query.consider_brute_force_enablement) return blocks;
    const settings = store.tenant.attackProtection('brute-force-protection');
    const blocking = settings.enabled === true && Array.isArray(settings.shields) && settings.shields.includes('block');
    return blocking ? blocks : [];
  };

  app.get<{ Params: { id: string }; Querystring: BlocksQuery }>(
    '/user-blocks/:id',
    {
      schema: { params: idParams(), querystring: blocksQuery },
      config: { scopes: ['read:users'] },
    },
    async (request) => ({ blocked_for: visible(store.users.blocks(request.params.id), request.query) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/user-blocks/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['update:users'] },
    },
    async (request, reply) => {
      store.users.clearBlocks(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: BlocksQuery & { identifier: string } }>(
    '/user-blocks',
    {
      schema: { querystring: identifierQuery },
      config: { scopes: ['read:users'] },
    },
    async (request) => ({
      blocked_for: visible(store.users.blocksByIdentifier(request.query.identifier), request.query),
    }),
  );

  app.delete<{ Querystring: { identifier: string } }>(
    '/user-blocks',
    {
      schema: { querystring: strictObject({ identifier: string({ minLength: 1 }) }, ['identifier']) },
      config: { scopes: ['update:users'] },
    },
    async (request, reply) => {
      store.users.clearBlocksByIdentifier(request.query.identifier);
      return reply.code(204).send();
    },
  );
};
