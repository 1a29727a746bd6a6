import { notFound } from '../errors';
import type { RefreshTokenRecord } from '../oidc/store';
import { refreshVerdict } from '../oidc/token-endpoint';
import { refreshPolicy } from '../oidc/tokens';
import type { Client } from '../store';
import type { ApiContext, RouteModule } from './context';
import { checkpointOf, checkpointQuery, type CheckpointQuery } from './query';
import { boolean, idParams, strictObject } from './schema';

/**
 * The OIDC provider's refresh tokens as Auth0's Management API shows them
 * (https://auth0.com/docs/secure/tokens/manage-refresh-tokens-with-auth0-management-api; field
 * names of the auth0 SDK's `RefreshTokenResponseContent`): one per family, whose id stays the
 * same across rotations (it is `event.refresh_token.id` in the Actions). Deleting one makes every
 * token of its family fail at /oauth/token with invalid_grant.
 */

export interface RefreshTokenView {
  id: string;
  user_id: string;
  created_at: string;
  idle_expires_at: string | null;
  expires_at: string | null;
  last_exchanged_at: string;
  client_id: string;
  session_id: string;
  rotating: boolean;
  resource_servers: { audience: string; scopes: string }[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function refreshTokenView(
  record: RefreshTokenRecord,
  client: Client | undefined,
  userinfoAudience: string,
): RefreshTokenView {
  const idle = client ? refreshPolicy(client).idleLifetime : undefined;
  return {
    id: record.id,
    user_id: record.user_id,
    created_at: iso(record.created_at),
    idle_expires_at: idle === undefined ? null : iso(record.last_exchanged_at + idle * 1000),
    expires_at: record.expires_at === undefined ? null : iso(record.expires_at),
    last_exchanged_at: iso(record.last_exchanged_at),
    client_id: record.client_id,
    session_id: record.session_id,
    rotating: record.rotating,
    resource_servers: [{ audience: record.audience ?? userinfoAudience, scopes: record.scope.join(' ') }],
  };
}

// The auth0 SDK sends include_totals=true; the answer is `{tokens, next}` either way.
const TOKEN_MISSING = (): Error => notFound('The refresh token does not exist.', 'inexistent_refresh_token');

export const registerRefreshTokens: RouteModule = (app, { store, oidc, endpoint }: ApiContext) => {
  // A token that no longer works at /oauth/token (expired, revoked, another client's) is not listed.
  const usable = (record: RefreshTokenRecord | undefined): record is RefreshTokenRecord => {
    const client = record ? store.clients.get(record.client_id) : undefined;
    return record !== undefined && client !== undefined && refreshVerdict(record, client, Date.now()) === 'usable';
  };
  const view = (record: RefreshTokenRecord): RefreshTokenView =>
    refreshTokenView(record, store.clients.get(record.client_id), `${endpoint().issuer}userinfo`);

  app.get<{ Params: { id: string }; Querystring: CheckpointQuery }>(
    '/users/:id/refresh-tokens',
    {
      schema: { params: idParams(), querystring: strictObject({ ...checkpointQuery, include_totals: boolean }) },
      config: { scopes: ['read:refresh_tokens'] },
    },
    async (request) => {
      store.users.require(request.params.id);
      const tokens = oidc.refreshTokensOf(request.params.id).filter(usable);
      const { items, next } = checkpointOf(
        tokens.map((record, seq) => ({ seq, item: view(record) })),
        request.query,
      );
      return { tokens: items, ...(next !== undefined ? { next } : {}) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/users/:id/refresh-tokens',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:refresh_tokens'] },
    },
    async (request, reply) => {
      store.users.require(request.params.id);
      oidc.deleteRefreshTokensOf(request.params.id);
      return reply.code(202).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/refresh-tokens/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['read:refresh_tokens'] },
    },
    async (request) => {
      const record = oidc.refreshTokenById(request.params.id);
      if (!usable(record)) throw TOKEN_MISSING();
      return view(record);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/refresh-tokens/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:refresh_tokens'] },
    },
    async (request, reply) => {
      const record = oidc.refreshTokenById(request.params.id);
      if (!usable(record)) throw TOKEN_MISSING();
      oidc.deleteRefreshFamily(record.family);
      return reply.code(202).send();
    },
  );
};
