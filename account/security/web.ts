import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import secureSession, { type Session } from '@fastify/secure-session';
import type { FastifyInstance } from 'fastify';

/**
 * What every page of the service gets, in one place:
 * - a strict CSP (nothing but the response's own nonce'd script and style; forms post to this
 *   service or the tenant's /continue; no framing), with helmet's other headers, among them
 *   `Referrer-Policy: no-referrer` (page URLs carry session tokens) and `X-Frame-Options: DENY`;
 * - `Cache-Control: no-store` on every response;
 * - the session in an encrypted cookie (`@fastify/secure-session`: libsodium secretbox, an AEAD),
 *   so any instance can serve any request; `__Host-` + Secure + HttpOnly + SameSite=Strict;
 * - CSRF tokens bound to that session (`@fastify/csrf-protection`), checked by `app.csrfProtection`;
 * - `@fastify/rate-limit`, off by default, turned on per route (in-memory: per instance).
 */

export const SESSION_COOKIE = '__Host-account';
/** The session holds the CSRF secret and the consents in progress: an hour is plenty. */
const SESSION_SECONDS = 60 * 60;
/**
 * The logins this service starts (the linking page's proof) keep their OIDC checks in a second
 * encrypted cookie, `SameSite=Lax`: the tenant's redirect back to the callback is a cross-site
 * navigation, on which browsers do not send the `Strict` session cookie. It holds nothing else
 * (no CSRF secret), lives as long as a login page may stay open, and is used once.
 */
export const LOGIN_COOKIE = '__Host-account-login';
const LOGIN_SECONDS = 10 * 60;

declare module 'fastify' {
  interface FastifyRequest {
    loginSession: Session;
  }
}

export interface WebSecurityOptions {
  sessionKeys: Buffer[];
  tenantOrigin: string;
}

/**
 * The CSP directives (helmet adds the response's nonces to script-src and style-src).
 * `formAction: false` is for the pages that post the signed answer to /continue: browsers apply
 * form-action to every redirect that follows the submission (Chromium blocks it, measured in
 * test/account/consent.browser.test.ts), and /continue redirects on to the application's callback,
 * on an origin this service cannot know. Such a page has one form, whose action is the configured
 * /continue URL, and no user input.
 */
export function contentSecurityPolicy(
  tenantOrigin: string,
  options: { formAction: boolean },
): { useDefaults: false; directives: Record<string, string[]> } {
  return {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: [],
      styleSrc: [],
      ...(options.formAction ? { formAction: ["'self'", tenantOrigin] } : {}),
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  };
}

export async function registerWebSecurity(app: FastifyInstance, options: WebSecurityOptions): Promise<void> {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: contentSecurityPolicy(options.tenantOrigin, { formAction: true }),
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(secureSession, [
    {
      sessionName: 'session',
      key: options.sessionKeys,
      cookieName: SESSION_COOKIE,
      expiry: SESSION_SECONDS,
      cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'strict', maxAge: SESSION_SECONDS },
    },
    {
      sessionName: 'loginSession',
      key: options.sessionKeys,
      cookieName: LOGIN_COOKIE,
      expiry: LOGIN_SECONDS,
      cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'lax', maxAge: LOGIN_SECONDS },
    },
  ]);
  await app.register(csrfProtection, { sessionPlugin: '@fastify/secure-session' });
  await app.register(rateLimit, { global: false });
}
