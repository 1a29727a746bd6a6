import type { FastifyPluginAsync } from 'fastify';
import type { Authenticate } from '../auth';
import type { ApiContext } from './context';
import { coerceQuery } from './validation';
import { registerActions } from './actions';
import { registerAttackProtection } from './attack-protection';
import { registerClientGrants } from './client-grants';
import { registerClients } from './clients';
import { registerConnections } from './connections';
import { registerEmailProvider } from './email-provider';
import { registerEmailTemplates } from './email-templates';
import { registerGrants } from './grants';
import { registerIdentities } from './identities';
import { registerJobs } from './jobs';
import { registerLogs } from './logs';
import { registerNotModelled } from './not-modelled';
import { registerRefreshTokens } from './refresh-tokens';
import { registerResourceServers } from './resource-servers';
import { registerSessions } from './sessions';
import { registerTenantSettings } from './tenant-settings';
import { registerTickets } from './tickets';
import { registerUserBlocks } from './user-blocks';
import { registerUsers } from './users';
import { registerUsersByEmail } from './users-by-email';

const MODULES = [
  registerClients,
  registerConnections,
  registerClientGrants,
  registerResourceServers,
  registerEmailTemplates,
  registerEmailProvider,
  registerTenantSettings,
  registerAttackProtection,
  registerActions,
  registerUsers,
  registerUsersByEmail,
  registerIdentities,
  registerUserBlocks,
  registerTickets,
  registerJobs,
  registerSessions,
  registerRefreshTokens,
  registerGrants,
  registerLogs,
];

/**
 * The Management API under /api/v2 (register with that prefix). `authenticate` runs first on
 * every route, so unknown paths still need a valid token.
 */
export const managementApi: FastifyPluginAsync<{ context: ApiContext; authenticate: Authenticate }> = async (
  app,
  options,
) => {
  app.addHook('onRequest', options.authenticate);
  app.addHook('preValidation', coerceQuery);
  // Every successful write leaves a `sapi` log event, as on Auth0.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 400) return;
    const path = request.url.split('?')[0] ?? '';
    options.context.store.logs.record({
      type: 'sapi',
      description: `${request.method} ${path}`,
      ip: request.ip,
      user_agent: request.headers['user-agent'] ?? '',
      ...(request.caller ? { client_id: request.caller.clientId } : {}),
      details: { request: { method: request.method.toLowerCase(), path }, response: { statusCode: reply.statusCode } },
    });
  });
  for (const register of MODULES) register(app, options.context);

  registerNotModelled(app);
};
