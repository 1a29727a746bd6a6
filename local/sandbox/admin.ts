import type { FastifyPluginAsync } from 'fastify';
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
  app.addHook('onRequest', async (request) => {
    await options.authenticate(request);
    if (request.caller?.clientId !== options.deployClientId()) {
      throw new ApiError(403, 'Only the sandbox deploy client may configure the sandbox', 'insufficient_scope');
    }
  });

  app.get('/faults', async () => ({ rules: options.faults.describe(), hits: options.faults.hits() }));

  app.put<{ Body: { rules: FaultRule[] } }>('/faults', async (request) => {
    const rules: unknown = request.body?.rules;
    if (!Array.isArray(rules) || !rules.every(isFaultRule)) {
      throw new ApiError(400, 'Expected {"rules": [{path, method?, times?, status?, retryAfter?, latencyMs?, message?}]}', 'invalid_body');
    }
    options.faults.set(rules);
    return { rules: options.faults.describe() };
  });

  app.delete('/faults', async (_request, reply) => {
    options.faults.set([]);
    return reply.code(204).send();
  });
};
