import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Authenticate } from './auth';
import { ApiError } from './errors';
import { isFaultRule, type FaultInjector, type FaultRule } from './faults';

interface AdminOptions {
  faults: FaultInjector;
  authenticate: Authenticate;
  deployClientId: () => string;
}

/**
 * /sandbox/faults: lets a test drive fault injection in a sandbox running in another process.
 * Only the bootstrap deploy client may use it (`authenticate` checks its Management API token).
 */
export const adminApi: FastifyPluginAsync<AdminOptions> = async (app, options) => {
  app.addHook('onRequest', deployClientOnly(options.authenticate, options.deployClientId));

  app.get('/faults', async () => ({ rules: options.faults.describe(), hits: options.faults.hits() }));

  app.put<{ Body: { rules: FaultRule[] } }>('/faults', async (request) => {
    const rules: unknown = request.body?.rules;
    if (!Array.isArray(rules) || !rules.every(isFaultRule)) {
      throw new ApiError(
        400,
        'Expected {"rules": [{path, method?, times?, status?, retryAfter?, latencyMs?, message?}]}',
        'invalid_body',
      );
    }
    options.faults.set(rules);
    return { rules: options.faults.describe() };
  });

  app.delete('/faults', async (_request, reply) => {
    options.faults.set([]);
    return reply.code(204).send();
  });
};

/** onRequest hook: a Management API token of the bootstrap deploy client, and no other. */
export function deployClientOnly(
  authenticate: Authenticate,
  deployClientId: () => string,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    await authenticate(request);
    if (request.caller?.clientId !== deployClientId()) {
      throw new ApiError(403, 'Only the sandbox deploy client may use /sandbox endpoints', 'insufficient_scope');
    }
  };
}
