import { notFound } from '../errors';
import { sessionActive, sessionIdleExpiresAt } from '../oidc/flow';
import type { SsoSession } from '../oidc/store';
import type { TenantSettings } from '../store';
import type { ApiContext, RouteModule } from './context';
import { checkpointOf, checkpointQuery, type CheckpointQuery } from './query';
import { boolean, idParams, strictObject } from './schema';

/**
 * The OIDC provider's SSO sessions as Auth0's Management API shows them
 * (https://auth0.com/docs/manage-users/sessions/manage-user-sessions-with-auth0-management-api;
 * field names of the auth0 SDK's `SessionResponseContent`). Deleting one logs that browser out:
 * its next `/authorize` needs a login (`prompt=none` answers login_required). Refresh tokens
 * outlive it, as on Auth0.
 */

/** Auth0's session, as GET /sessions/{id} answers it. */
export interface SessionView {
  id: string;
  user_id: string;
  created_at: string;
  updated_at: string;
  authenticated_at: string;
  idle_expires_at: string;
  expires_at: string;
  last_interacted_at: string;
  device: { initial_user_agent: string; initial_ip: string; last_user_agent: string; last_ip: string };
  clients: { client_id: string }[];
  authentication: { methods: { name: string; timestamp: string }[] };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function sessionView(session: SsoSession, settings: TenantSettings, databaseLogin: boolean): SessionView {
  const authenticatedAt = iso(session.authenticated_at * 1000);
  const device = session.device;
  return {
    id: session.id,
    user_id: session.user_id,
    created_at: authenticatedAt,
    updated_at: iso(session.last_interacted_at),
    authenticated_at: authenticatedAt,
    idle_expires_at: iso(sessionIdleExpiresAt(session, settings)),
    expires_at: iso(session.expires_at),
    last_interacted_at: iso(session.last_interacted_at),
    device: {
      initial_user_agent: device?.initial_user_agent ?? '',
      initial_ip: device?.initial_ip ?? '',
      last_user_agent: device?.last_user_agent ?? '',
      last_ip: device?.last_ip ?? '',
    },
    clients: (session.clients ?? []).map((client_id) => ({ client_id })),
    authentication: { methods: [{ name: databaseLogin ? 'pwd' : 'federated', timestamp: authenticatedAt }] },
  };
}

// The auth0 SDK sends include_totals=true; the answer is `{<items>, next}` either way.
const SESSION_MISSING = (): Error => notFound('The session does not exist.', 'inexistent_session');

export const registerSessions: RouteModule = (app, { store, oidc }: ApiContext) => {
  const view = (session: SsoSession): SessionView =>
    sessionView(
      session,
      store.tenant.settings(),
      store.connections.getByName(session.connection)?.strategy === 'auth0',
    );
  const active = (session: SsoSession | undefined): session is SsoSession =>
    session !== undefined && sessionActive(session, store.tenant.settings(), Date.now());

  app.get<{ Params: { id: string }; Querystring: CheckpointQuery }>(
    '/users/:id/sessions',
    {
      schema: { params: idParams(), querystring: strictObject({ ...checkpointQuery, include_totals: boolean }) },
      config: { scopes: ['read:sessions'] },
    },
    async (request) => {
      store.users.require(request.params.id);
      const sessions = oidc.sessionsOf(request.params.id).filter(active);
      const { items, next } = checkpointOf(
        sessions.map((session, seq) => ({ seq, item: view(session) })),
        request.query,
      );
      return { sessions: items, ...(next !== undefined ? { next } : {}) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/users/:id/sessions',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:sessions'] },
    },
    async (request, reply) => {
      store.users.require(request.params.id);
      oidc.deleteSessionsOf(request.params.id);
      return reply.code(202).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/sessions/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['read:sessions'] },
    },
    async (request) => {
      const session = oidc.session(request.params.id);
      if (!active(session)) throw SESSION_MISSING();
      return view(session);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/sessions/:id',
    {
      schema: { params: idParams() },
      config: { scopes: ['delete:sessions'] },
    },
    async (request, reply) => {
      if (!oidc.deleteSession(request.params.id)) throw SESSION_MISSING();
      return reply.code(202).send();
    },
  );
};
