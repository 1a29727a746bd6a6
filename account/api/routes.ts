import cors from '@fastify/cors';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { LOCALES } from '../i18n';
import type { ProfileStore, ProfileUser } from '../management/users';
import { EDITABLE_FIELDS, validateEdit } from '../profile/metadata';
import { verifyAccessToken, type AccessTokenPolicy, type ProfileScope } from './access-token';
import { profileApiCors } from './cors';

/**
 * The profile API for the Profile SPA (docs/account.md, "The profile API"): the profile page's
 * features as JSON, for `Authorization: Bearer` access tokens of the profile API's audience.
 * - `GET /api/profile` (`read:profile`): the profile and the allow-listed user_metadata;
 * - `PATCH /api/profile` (`update:profile`): the allow-listed fields, all valid or nothing stored.
 * No cookie is read or set: CSRF does not apply to a bearer token the page has to attach itself.
 * Registered under the `/api` prefix: the CORS plugin (its hook and its `OPTIONS *` route) then
 * covers these routes only, never the HTML pages.
 */

export interface ApiRoutesOptions {
  policy: AccessTokenPolicy;
  store: ProfileStore;
  now: () => number;
  limits: { perIpPerMinute: number };
  /** The Profile SPA's origins, answered with CORS; none: same-origin callers only. */
  corsOrigins: readonly string[];
}

const BODY_LIMIT = 4 * 1024;

function view(user: ProfileUser): Record<string, unknown> {
  return {
    user_id: user.userId,
    email: user.email ?? null,
    email_verified: user.emailVerified,
    name: user.name ?? null,
    picture: user.picture ?? null,
    user_metadata: Object.fromEntries(
      EDITABLE_FIELDS.flatMap((field) => (field in user.userMetadata ? [[field, user.userMetadata[field]]] : [])),
    ),
    // The documented shape only: no identity's account id at its provider, no primary flag.
    identities: user.identities.map(({ provider, connection }) => ({ provider, connection })),
  };
}

export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (app, options) => {
  await app.register(cors, profileApiCors(options.corsOrigins));
  // JSON errors here, whatever the pages' handler does.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: { type: error.name } }, 'api request failed');
    return reply
      .code(status)
      .send({ error: status === 429 ? 'too_many_requests' : status < 500 ? 'invalid_request' : 'server_error' });
  });

  /** The token's `sub`, or the RFC 6750 answer already sent. */
  const authorize = async (request: FastifyRequest, reply: FastifyReply, scope: ProfileScope) => {
    const check = await verifyAccessToken(request.headers.authorization, scope, options.policy, options.now());
    if (check.ok) return check.sub;
    const status = check.error === 'insufficient_scope' ? 403 : check.error === 'invalid_token' ? 401 : 400;
    const challenge =
      check.error === 'insufficient_scope'
        ? `Bearer error="insufficient_scope", scope="${scope}"`
        : `Bearer error="${check.error}"`;
    await reply.code(status).header('www-authenticate', challenge).send({ error: check.error });
    return undefined;
  };

  const load = async (reply: FastifyReply, sub: string): Promise<ProfileUser | undefined> => {
    const user = await options.store.getUser(sub);
    if (!user) await reply.code(404).send({ error: 'user_not_found' });
    return user;
  };

  const limit = app.rateLimit({ max: options.limits.perIpPerMinute, timeWindow: 60_000 });

  app.get('/profile', { onRequest: limit }, async (request, reply) => {
    const sub = await authorize(request, reply, 'read:profile');
    if (sub === undefined) return reply;
    const user = await load(reply, sub);
    return user ? view(user) : reply;
  });

  app.patch<{ Body: unknown }>('/profile', { onRequest: limit, bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const sub = await authorize(request, reply, 'update:profile');
    if (sub === undefined) return reply;
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return reply.code(400).send({ error: 'invalid_request' });
    const result = validateEdit(body as Record<string, unknown>, LOCALES);
    if (!result.ok) return reply.code(400).send({ error: 'invalid_metadata', problems: result.problems });
    const user = await load(reply, sub);
    if (!user) return reply;
    await options.store.updateMetadata(sub, result.patch);
    return view({ ...user, userMetadata: { ...user.userMetadata, ...result.patch } });
  });
};
