import type { API, Event, Protocol, SessionTokenClaims } from '../platform/post-login';

/** Session tokens we hand to a page live at most 10 minutes. */
export const SESSION_TOKEN_TTL_SECONDS = 600;

/**
 * Protocols where Auth0 can send the browser to a page and back. An allowlist, so a flow we do not
 * know (or an event without a transaction) is treated as non-interactive: the access-deciding
 * Actions then fall back to their strict non-interactive rule instead of a redirect that fails.
 */
const INTERACTIVE: ReadonlySet<Protocol> = new Set<Protocol>([
  'oidc-basic-profile',
  'oidc-implicit-profile',
  'oidc-hybrid-profile',
  'oauth2-device-code',
  'samlp',
  'wsfed',
]);

export function canRedirect(event: Event): boolean {
  const transaction = event.transaction;
  if (!transaction || !transaction.protocol || !INTERACTIVE.has(transaction.protocol)) return false;
  const promptNone =
    (Array.isArray(transaction.prompt) && transaction.prompt.includes('none')) ||
    event.request?.query?.['prompt'] === 'none';
  return !promptNone;
}

/**
 * The claims of the token posted back to /continue, or undefined when it is missing, tampered,
 * expired, signed with another secret, or issued for another transaction (state) or user (sub).
 */
export function readReturnedToken(api: API, secret: string): SessionTokenClaims | undefined {
  try {
    return api.redirect.validateToken({ secret, tokenParameterName: 'session_token' });
  } catch {
    return undefined;
  }
}
