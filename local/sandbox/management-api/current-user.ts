import type { AuthenticatedCaller } from '../auth';
import { forbidden } from '../errors';

/** A route's scopes over users: those that reach any user, and the one that reaches only the caller's own. */
export interface UserScopes {
  anyUser: readonly string[];
  currentUser?: string;
}

/**
 * Whether the caller may act on `userId`. current_user scopes act only on the user the token was
 * issued to (its `sub`); a client-credentials token (`<client>@clients`) has no current user.
 * https://auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens/get-management-api-tokens-for-single-page-applications
 */
export function mayActOnUser(caller: AuthenticatedCaller | undefined, userId: string, scopes: UserScopes): boolean {
  if (!caller) return false;
  if (scopes.anyUser.some((scope) => caller.scopes.has(scope))) return true;
  return scopes.currentUser !== undefined && caller.scopes.has(scopes.currentUser) && caller.subject === userId;
}

export function assertMayActOnUser(caller: AuthenticatedCaller | undefined, userId: string, scopes: UserScopes): void {
  if (!mayActOnUser(caller, userId, scopes)) {
    throw forbidden(`Insufficient scope, expected any of: ${scopes.anyUser.join(',')}`, 'insufficient_scope');
  }
}
