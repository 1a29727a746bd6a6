import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import secureSession from '@fastify/secure-session';
import type { FastifyInstance } from 'fastify';

/**
 * What every page of the service gets, in one place:
 * - a strict CSP (nothing but the response's own nonce'd script and style; forms post to this
 *   service or the tenant's /continue; no framing), with helmet's other headers, among them
 *   `Referrer-Policy: no-referrer` (page URLs carry session tokens);
 * - `Cache-Control: no-store` on every response;
 * - the session in an encrypted cookie (`@fastify/secure-session`: libsodium secretbox, an AEAD),
 *   so any instance can serve any request; `__Host-` + Secure + HttpOnly + SameSite=Strict;
 * - CSRF tokens bound to that session (`@fastify/csrf-protection`), checked by `app.csrfProtection`;
 * - `@fastify/rate-limit`, off by default, turned on per route (in-memory: per instance).
 */

export const SESSION_COOKIE = '__Host-account';
/** The session holds the CSRF secret and the consents in progress: an hour is plenty. */
const SESSION_SECONDS = 60 * 60;

export interface WebSecurityOptions {
  sessionKeys: Buffer[];
  tenantOrigin: string;
}

export async function registerWebSecurity(app: FastifyInstance, options: WebSecurityOptions): Promise<void> {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: [],
        styleSrc: [],
        formAction: ["'self'", options.tenantOrigin],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(secureSession, {
    key: options.sessionKeys,
    cookieName: SESSION_COOKIE,
    expiry: SESSION_SECONDS,
    cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'strict', maxAge: SESSION_SECONDS },
  });
  await app.register(csrfProtection, { sessionPlugin: '@fastify/secure-session' });
  await app.register(rateLimit, { global: false });
}
