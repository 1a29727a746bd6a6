import { randomBytes } from 'node:crypto';
import type { Event, Identity, Protocol, Transaction, User as EventUser } from '../../../actions/platform/post-login';
import type { User } from '../store';
import type { Authenticated } from './authenticate';
import type { LoginFlow } from './types';

/** The post-login `event` of a sandbox login, from the stored user, application and connection. */

const PROTOCOL: Record<LoginFlow, Protocol> = {
  interactive: 'oidc-basic-profile',
  'prompt-none': 'oidc-basic-profile',
  'refresh-token': 'oauth2-refresh-token',
  password: 'oauth2-password',
};

const SCOPES = ['openid', 'profile', 'email'];

export interface EventContext {
  tenantName: string;
  /** The tenant's host, as Auth0 reports `request.hostname`. */
  hostname: string;
  nowMs: number;
}

/**
 * The HTTP request behind a login at the OIDC endpoints (/authorize and its pages, /oauth/token):
 * what the Actions see instead of the defaults that POST /sandbox/login implies.
 */
export interface RequestContext {
  method: 'GET' | 'POST';
  query: Record<string, string>;
  body: Record<string, string>;
  userAgent: string;
  language?: string;
  transaction: Omit<Transaction, 'id' | 'protocol' | 'metadata' | 'linking_id'>;
  /** The SSO session the login belongs to (the ID token's `sid`). */
  sessionId?: string;
  /** Refresh-token grants: the token's id. */
  refreshTokenId?: string;
}

export function buildLoginEvent(login: Authenticated, context: EventContext, http?: RequestContext): Event {
  const event = defaultLoginEvent(login, context);
  if (!http) return event;
  return {
    ...event,
    request: {
      ...event.request,
      method: http.method,
      query: http.query,
      body: http.body,
      user_agent: http.userAgent,
      ...(http.language !== undefined ? { language: http.language } : {}),
    },
    transaction: {
      id: event.transaction?.id,
      protocol: event.transaction?.protocol,
      ...http.transaction,
      metadata: {},
    },
    ...(event.session && http.sessionId !== undefined ? { session: { id: http.sessionId } } : {}),
    ...(event.refresh_token && http.refreshTokenId !== undefined
      ? { refresh_token: { ...event.refresh_token, id: http.refreshTokenId } }
      : {}),
  };
}

function defaultLoginEvent(login: Authenticated, context: EventContext): Event {
  const { flow, client, connection, user } = login;
  const browser = flow === 'interactive' || flow === 'prompt-none';
  const id = (): string => randomBytes(16).toString('hex');
  const connectionMetadata = connection.metadata;
  return {
    user: eventUser(user),
    client: { client_id: client.client_id, name: client.name, metadata: { ...client.client_metadata } },
    connection: {
      id: connection.id,
      name: connection.name,
      strategy: connection.strategy,
      ...(isStringRecord(connectionMetadata) ? { metadata: connectionMetadata } : {}),
    },
    request: {
      ip: login.ip,
      method: browser ? 'GET' : 'POST',
      query: flow === 'prompt-none' ? { prompt: 'none' } : {},
      body:
        flow === 'refresh-token'
          ? { grant_type: 'refresh_token' }
          : flow === 'password'
            ? { grant_type: 'password' }
            : {},
      geoip: {},
      hostname: context.hostname,
      language: 'en',
      user_agent: 'auth0-sandbox',
    },
    transaction: {
      id: id(),
      protocol: PROTOCOL[flow],
      acr_values: [],
      ui_locales: [],
      requested_scopes: flow === 'refresh-token' ? [...SCOPES, 'offline_access'] : SCOPES,
      ...(browser ? { redirect_uri: client.callbacks?.[0], response_type: ['code'] } : {}),
      ...(flow === 'prompt-none' ? { prompt: ['none'] } : {}),
      locale: 'en',
      metadata: {},
    },
    authentication: {
      methods: [
        {
          name: connection.strategy === 'auth0' ? 'pwd' : 'federated',
          timestamp: new Date(context.nowMs).toISOString(),
        },
      ],
    },
    authorization: { roles: [] },
    secrets: {},
    stats: { logins_count: user.logins_count },
    tenant: { id: context.tenantName },
    ...(flow === 'password' ? {} : { session: { id: id() } }),
    ...(flow === 'refresh-token'
      ? {
          refresh_token: {
            id: `rt_${id()}`,
            client_id: client.client_id,
            created_at: new Date(context.nowMs).toISOString(),
          },
        }
      : {}),
  };
}

function eventUser(user: User): EventUser {
  const identities: Identity[] = user.identities.map((identity) => ({
    connection: identity.connection,
    provider: identity.provider,
    user_id: identity.user_id,
    isSocial: identity.isSocial,
    ...(identity.profileData ? { profileData: identity.profileData } : {}),
  }));
  const {
    logins_count: _count,
    last_login: _login,
    last_ip: _ip,
    blocked: _blocked,
    identities: _identities,
    ...profile
  } = user;
  return { ...profile, identities, multifactor: [] };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
