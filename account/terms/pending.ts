import { createHash } from 'node:crypto';

/**
 * The consents in progress in one browser: which `state` came with which Action token. Auth0's
 * token carries no `state` (it comes beside it in the URL), so the page remembers the pair it was
 * opened with, in the encrypted session, and signs an answer only for that pair. A few entries,
 * so two logins in two tabs both work; each lives as long as its token.
 */

export interface PendingConsent {
  /** sha256 of the Action's token, base64url: the token itself need not ride in the cookie. */
  token: string;
  state: string;
  /** Epoch seconds: the token's expiry. */
  exp: number;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    pendingConsents: PendingConsent[];
  }
}

const MAX_PENDING = 5;

export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The session's value as stored by us, read defensively (older shapes, other keys). */
export function readPending(value: unknown): PendingConsent[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is PendingConsent =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as PendingConsent).token === 'string' &&
      typeof (item as PendingConsent).state === 'string' &&
      typeof (item as PendingConsent).exp === 'number',
  );
}

export function remember(list: readonly PendingConsent[], entry: PendingConsent, nowSeconds: number): PendingConsent[] {
  const kept = list.filter((item) => item.exp > nowSeconds && item.token !== entry.token);
  return [...kept, entry].slice(-MAX_PENDING);
}

export function stateFor(list: readonly PendingConsent[], token: string, nowSeconds: number): string | undefined {
  return list.find((item) => item.token === token && item.exp > nowSeconds)?.state;
}

export function forget(list: readonly PendingConsent[], token: string): PendingConsent[] {
  return list.filter((item) => item.token !== token);
}
