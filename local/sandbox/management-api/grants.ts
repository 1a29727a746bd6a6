import { notFound } from '../errors';
import type { UserGrantRecord } from '../oidc/store';
import type { ApiContext, RouteModule } from './context';
import { pagedBody, pageOf, pageQuery, type PageQuery } from './query';
import { idParams, string, strictObject } from './schema';

/**
 * What users consented to, per application and API (Auth0's user grants; field names of the
 * auth0 SDK's `UserGrant`, `clientID` in camelCase as Auth0 answers). A grant is recorded when a
 * code flow completes (a login without `audience` is a grant for the tenant's /userinfo).
 * Deleting a grant revokes the refresh tokens issued under it.
 */

export interface UserGrantView {
  id: string;
  clientID: string;
  user_id: string;
  audience: string;
  scope: string[];
}

export function grantView(grant: UserGrantRecord): UserGrantView {
  return {
    id: grant.id,
    clientID: grant.client_id,
    user_id: grant.user_id,
    audience: grant.audience,
    scope: grant.scope,
  };
}

interface ListQuery extends PageQuery {
  user_id?: string;
  client_id?: string;
  audience?: string;
}

export const registerGrants: RouteModule = (app, { oidc, endpoint }: ApiContext) => {
  // The refresh tokens a grant covers: its user, application and API (no audience: /userinfo).
  const revokeTokens = (grant: UserGrantRecord): void => {
    const userinfo = `${endpoint().issuer}userinfo`;
    oidc.deleteRefreshTokensOf(
      grant.user_id,
      (record) => record.client_id === grant.client_id && (record.audience ?? userinfo) === grant.audience,
    );
  };

  app.get<{ Querystring: ListQuery }>(
    '/grants',
    {
      schema: {
        querystring: strictObject({ ...pageQuery, user_id: string(), client_id: string(), audience: string() }),
      },
      config: { scopes: ['read:grants'] },
    },
    async (request) => {
      const { query } = request;
      const matching = oidc
        .grants()
        .filter(
          (grant) =>
            (query.user_id === undefined || grant.user_id === query.user_id) &&
            (query.client_id === undefined || grant.client_id === query.client_id) &&
            (query.audience === undefined || grant.audience === query.audience),
        );
      return pagedBody('grants', pageOf(matching, query).map(grantView), matching.length, query);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/grants/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:grants'] },
    },
    async (request, reply) => {
      const grant = oidc.grant(request.params.id);
      if (!grant) throw notFound('The grant does not exist.', 'inexistent_grant');
      oidc.deleteGrant(grant.id);
      revokeTokens(grant);
      return reply.code(204).send();
    },
  );

  app.delete<{ Querystring: { user_id: string } }>(
    '/grants',
    {
      schema: { querystring: strictObject({ user_id: string({ minLength: 1 }) }, ['user_id']) },
      config: { scopes: ['delete:grants'] },
    },
    async (request, reply) => {
      for (const grant of oidc.grants().filter((candidate) => candidate.user_id === request.query.user_id)) {
        oidc.deleteGrant(grant.id);
        revokeTokens(grant);
      }
      return reply.code(204).send();
    },
  );
};
