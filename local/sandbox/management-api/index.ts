import type { FastifyPluginAsync } from 'fastify';
import type { Authenticate } from '../auth';
import { ApiError } from '../errors';
import type { ApiContext } from './context';
import { coerceQuery } from './validation';
import { registerActions } from './actions';
import { registerAttackProtection } from './attack-protection';
import { registerClientGrants } from './client-grants';
import { registerClients } from './clients';
import { registerConnections } from './connections';
import { registerEmailProvider } from './email-provider';
import { registerEmailTemplates } from './email-templates';
import { registerIdentities } from './identities';
import { registerJobs } from './jobs';
import { registerResourceServers } from './resource-servers';
import { registerTenantSettings } from './tenant-settings';
import { registerTickets } from './tickets';
import { registerUserBlocks } from './user-blocks';
import { registerUsers } from './users';
import { registerUsersByEmail } from './users-by-email';

const MODULES = [
  registerClients, registerConnections, registerClientGrants, registerResourceServers, registerEmailTemplates,
  registerEmailProvider, registerTenantSettings, registerAttackProtection, registerActions, registerUsers,
  registerUsersByEmail, registerIdentities, registerUserBlocks, registerTickets, registerJobs,
];

const VERBS: Record<string, string> = { GET: 'read', HEAD: 'read', POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/**
 * The Management API under /api/v2 (register with that prefix). `authenticate` runs first on
 * every route, so unknown paths still need a valid token.
 */
export const managementApi: FastifyPluginAsync<{ context: ApiContext; authenticate: Authenticate }> = async (app, options) => {
  app.addHook('onRequest', options.authenticate);
  app.addHook('preValidation', coerceQuery);
  for (const register of MODULES) register(app, options.context);

  // Resource types the sandbox does not model answer like a token without their scope, so
  // deploy-cli's export skips them with a warning instead of failing.
  app.all('/*', async (request) => {
    const [, first = '', second] = (request.url.split('?')[0] ?? '').replace(/^\/api\/v2/, '').split('/');
    const resource = second && /^[a-z][a-z-]*$/.test(second) ? `${first}_${second}` : first;
    const scope = `${VERBS[request.method] ?? 'read'}:${resource.replace(/-/g, '_')}`;
    throw new ApiError(403, `Insufficient scope, expected any of: ${scope}`, 'insufficient_scope');
  });
};
