import type { ResourceType } from '../model';
import { actions } from './actions';
import { attackProtection } from './attack-protection';
import { clientGrants } from './client-grants';
import { clients } from './clients';
import { connections, databases } from './connections';
import { emailProvider } from './email-provider';
import { emailTemplates } from './email-templates';
import type { Handler } from './handler';
import { resourceServers } from './resource-servers';
import { tenant } from './tenant';
import { triggers } from './triggers';

export type { Handler, CurrentContext, DesiredContext } from './handler';

export const HANDLERS: Readonly<Record<ResourceType, Handler>> = {
  tenant,
  attackProtection,
  resourceServers,
  clients,
  actions,
  databases,
  connections,
  emailProvider,
  clientGrants,
  emailTemplates,
  triggers,
};
