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
import { registerIdentities } from './identities';
import { registerJobs } from './jobs';
import { registerNotModelled } from './not-modelled';
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

/**
 * The Management API under /api/v2 (register with that prefix). `authenticate` runs first on
 * every route, so unknown paths still need a valid token.
 */
export const managementApi: FastifyPluginAsync<{ context: ApiContext; authenticate: Authenticate }> = async (app, options) => {
  app.addHook('onRequest', options.authenticate);
  app.addHook('preValidation', coerceQuery);
  for (const register of MODULES) register(app, options.context);

  registerNotModelled(app);
};
