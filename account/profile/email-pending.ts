import type { Session } from '@fastify/secure-session';
import type { FastifyRequest } from 'fastify';

/**
 * The email change link opened without a profile session (docs/account.md, "The email change",
 * step 4): its token, already verified, waits for the sign-in. One pending link at most (a newer
 * one replaces it), never in a URL the tenant sees:
 * - in the login cookie (`SameSite=Lax`, 10 minutes, used once) through the tenant's login: the
 *   tenant's redirect to the callback is cross-site, so the `Strict` session cookie is neither
 *   sent with it nor kept by its answer, which writes a new profile session;
 * - then, moved there by the callback, in the session cookie, until the confirm page posts or the
 *   token is found expired, invalid or another user's.
 */

declare module '@fastify/secure-session' {
  interface SessionData {
    pendingEmailLink: string;
  }
}

const readPending = (session: Session): string | undefined => {
  const value: unknown = session.get('pendingEmailLink');
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Keeps a verified link's token for the sign-in about to start. */
export function keepForSignIn(request: FastifyRequest, token: string): void {
  request.loginSession.set('pendingEmailLink', token);
  dropPending(request);
}

/** The token kept for the sign-in: read by the callback before it deletes the login cookie. */
export const pendingOfLogin = (request: FastifyRequest): string | undefined => readPending(request.loginSession);

/** The callback's new profile session takes the pending link along. */
export function keepInSession(request: FastifyRequest, token: string): void {
  request.session.set('pendingEmailLink', token);
}

export const pendingOfSession = (request: FastifyRequest): string | undefined => readPending(request.session);

export function dropPending(request: FastifyRequest): void {
  if (readPending(request.session) !== undefined) request.session.set('pendingEmailLink', undefined);
}
