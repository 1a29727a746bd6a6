import { randomBytes } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { tokenHash, type AuthorizationTransaction } from './store';

/**
 * Binds each authorization transaction to the browser that started it with a cookie of its own,
 * `auth0_txn_<transaction id>` (the id is the login pages' `state`), so that concurrent logins in
 * one browser stay apart as on Auth0: two tabs, or a login started from an Action's page while
 * another waits there for its /continue. The value is a secret that only that browser holds (the
 * store keeps its SHA-256): a `state`, which travels in URLs and to the Actions' pages, is not
 * enough to use a transaction from another browser. A browser holds at most
 * MAX_BROWSER_TRANSACTIONS: a new one first drops those already over, then the oldest.
 */

export const TRANSACTION_COOKIE_PREFIX = 'auth0_txn_';
/** Auth0 too drops a browser's oldest transactions when about ten logins are started at once. */
export const MAX_BROWSER_TRANSACTIONS = 10;
/**
 * `SameSite=None; Secure` as Auth0's own cookies (`auth0`, `did`): an Action's page on another site
 * answers with a form posted to /continue, and the browser must send the cookie with that post.
 */
export const TRANSACTION_COOKIE_OPTIONS: CookieSerializeOptions = {
  path: '/',
  httpOnly: true,
  secure: true,
  sameSite: 'none',
};

/** What the browser is given when a transaction starts. */
export interface TransactionCookie {
  id: string;
  secret: string;
  expires_at: number;
}

type Cookies = Record<string, string | undefined>;

export function transactionCookieName(id: string): string {
  return `${TRANSACTION_COOKIE_PREFIX}${id}`;
}

/** A new browser secret and the hash the transaction keeps of it. */
export function newBrowserKey(): { secret: string; hash: string } {
  const secret = randomBytes(24).toString('base64url');
  return { secret, hash: tokenHash(secret) };
}

/** Whether the request comes from the browser that started the transaction (its cookie holds the secret). */
export function holdsTransaction(cookies: Cookies, transaction: AuthorizationTransaction): boolean {
  const secret = cookies[transactionCookieName(transaction.id)];
  return secret !== undefined && transaction.browser_key !== undefined && tokenHash(secret) === transaction.browser_key;
}

/**
 * The transaction cookies to clear before the browser gets one more: those whose transaction is
 * over (finished, expired or unknown), then the oldest until MAX_BROWSER_TRANSACTIONS - 1 remain.
 */
export function transactionCookiesToDrop(
  cookies: Cookies,
  transaction: (id: string) => AuthorizationTransaction | undefined,
): string[] {
  const live: { name: string; expiresAt: number }[] = [];
  const over: string[] = [];
  for (const name of Object.keys(cookies)) {
    if (!name.startsWith(TRANSACTION_COOKIE_PREFIX)) continue;
    const found = transaction(name.slice(TRANSACTION_COOKIE_PREFIX.length));
    if (found) live.push({ name, expiresAt: found.expires_at });
    else over.push(name);
  }
  // Every transaction lives as long, so the one that expires first is the oldest.
  live.sort((a, b) => a.expiresAt - b.expiresAt);
  const excess = Math.max(0, live.length - (MAX_BROWSER_TRANSACTIONS - 1));
  return [...over, ...live.slice(0, excess).map((entry) => entry.name)];
}
