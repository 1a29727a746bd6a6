import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * CORS for the profile API (docs/account.md, "The profile API"): the Profile SPA runs on its own
 * origins (tenant.yaml's PROFILE_WEB_ORIGINS) and calls the API with a bearer token it attaches
 * itself. Exactly those origins, the API's methods and the two headers the SPA sends; no
 * credentials (no cookie is read, so none is asked for). Any other origin gets no CORS header at
 * all, and its preflight is not answered (404).
 */

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function profileApiCors(origins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(origins);
  return {
    // `true` reflects the request's Origin, `false` sends nothing; Vary: Origin either way.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'PATCH'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
}
