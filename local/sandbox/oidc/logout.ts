import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSigner } from '../auth';
import { sendPage } from '../login/page-reply';
import { errorPage } from '../login/pages';
import type { Store } from '../store';
import { SESSION_COOKIE, showError, strings, type Fields } from './http';
import type { OidcStore } from './store';

/**
 * `/v2/logout` and `/oidc/logout`: end the SSO session, then go only to an allowed logout URL
 * (the client's `allowed_logout_urls`, or the tenant's without a client). An unlisted URL gets an
 * error page and the session stays. Refresh tokens outlive the session, as in Auth0.
 */

export interface LogoutRoutesOptions {
  store: Store;
  oidc: OidcStore;
  signer: TokenSigner;
  endpoint: () => { domain: string; issuer: string };
}

export const logoutRoutes: FastifyPluginAsync<LogoutRoutesOptions> = async (app, options) => {
  const { store } = options;
  const origin = (): string => `https://${options.endpoint().domain}`;

  const endSession = (request: FastifyRequest, reply: FastifyReply, clientId: string | undefined): void => {
    const id = request.cookies[SESSION_COOKIE];
    const session = id === undefined ? undefined : options.oidc.session(id);
    if (id !== undefined) options.oidc.deleteSession(id);
    if (session) {
      store.logs.record({
        type: 'slo',
        description: 'User successfully logged out',
        user_id: session.user_id,
        user_name: store.users.get(session.user_id)?.email ?? '',
        connection: session.connection,
        ip: request.ip,
        user_agent: request.headers['user-agent'] ?? '',
        ...(clientId !== undefined ? { client_id: clientId } : {}),
      });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'none' });
  };
  const loggedOut = (reply: FastifyReply): FastifyReply =>
    sendPage(reply, {
      status: 200,
      title: 'Logged out',
      body: errorPage('Logged out', 'You are logged out.'),
      origin: origin(),
    });

  // https://auth0.com/docs/api/authentication/logout/auth-0-logout
  app.get<{ Querystring: Fields }>('/v2/logout', async (request, reply) => {
    const query = strings(request.query);
    const client = query.client_id === undefined ? undefined : store.clients.get(query.client_id);
    if (query.client_id !== undefined && !client)
      return showError(reply, origin(), 400, 'Logout failed', 'Unknown client_id.');
    const allowed = client ? (client.allowed_logout_urls ?? []) : tenantLogoutUrls(store);
    const returnTo = query.returnTo ?? (client ? allowed[0] : undefined);
    if (returnTo !== undefined && !allowed.some((url) => sameLogoutUrl(url, returnTo))) {
      return showError(
        reply,
        origin(),
        400,
        'Logout failed',
        'The "returnTo" URL is not in the "Allowed Logout URLs" of the application (or of the tenant without client_id).',
      );
    }
    endSession(request, reply, client?.client_id);
    return returnTo === undefined
      ? loggedOut(reply)
      : reply.header('cache-control', 'no-store').redirect(returnTo, 302);
  });

  // https://auth0.com/docs/api/authentication/logout/oidc-logout (without the confirmation prompt)
  app.get<{ Querystring: Fields }>('/oidc/logout', async (request, reply) => {
    const query = strings(request.query);
    let clientId = query.client_id;
    if (query.id_token_hint !== undefined) {
      const aud = idTokenAudience(options.signer, query.id_token_hint, options.endpoint().issuer);
      if (aud === undefined || (clientId !== undefined && clientId !== aud))
        return showError(reply, origin(), 400, 'Logout failed', 'Invalid id_token_hint.');
      clientId = aud;
    }
    const client = clientId === undefined ? undefined : store.clients.get(clientId);
    if (clientId !== undefined && !client)
      return showError(reply, origin(), 400, 'Logout failed', 'Unknown client_id.');
    const target = query.post_logout_redirect_uri;
    const allowed = client ? (client.allowed_logout_urls ?? []) : tenantLogoutUrls(store);
    if (target !== undefined && !allowed.includes(target)) {
      return showError(
        reply,
        origin(),
        400,
        'Logout failed',
        'The "post_logout_redirect_uri" is not in the "Allowed Logout URLs".',
      );
    }
    endSession(request, reply, client?.client_id);
    if (target === undefined) return loggedOut(reply);
    const url = new URL(target);
    if (query.state !== undefined) url.searchParams.set('state', query.state);
    return reply.header('cache-control', 'no-store').redirect(url.toString(), 302);
  });
};

function tenantLogoutUrls(store: Store): string[] {
  const urls = store.tenant.settings().allowed_logout_urls;
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : [];
}

/** /v2/logout ignores the query and fragment; scheme and host compare case-insensitively, the path exactly. */
export function sameLogoutUrl(allowed: string, returnTo: string): boolean {
  try {
    const a = new URL(allowed);
    const b = new URL(returnTo);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/** The `aud` of an ID token this tenant signed (an expired one still names its application). */
function idTokenAudience(signer: TokenSigner, token: string, issuer: string): string | undefined {
  try {
    const keys = signer.jwks().keys.map((jwk) => createPublicKey({ key: jwk, format: 'jwk' }));
    const claims = jwt.verify(token, keys[0] as KeyObject, { algorithms: ['RS256'], issuer, ignoreExpiration: true });
    return typeof claims === 'object' && typeof claims.aud === 'string' ? claims.aud : undefined;
  } catch {
    return undefined;
  }
}
