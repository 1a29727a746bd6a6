import { compareFields } from '../diff';
import type { Handler } from './handler';
import { items, objectList, strip, text } from './handler';

/** APIs, matched by identifier (the audience) as deploy-cli does. The system Management API is Auth0's, not ours. */
export const resourceServers: Handler = {
  type: 'resourceServers',
  read: (api) => api.pages('/resource-servers', 'resource_servers', '&include_totals=true'),
  current: (raw) =>
    objectList(raw, 'resource servers')
      .filter((server) => server.is_system !== true)
      .map((server) => ({
        type: 'resourceServers',
        key: text(server.identifier),
        value: strip(server, ['id', 'is_system', 'signing_secret']),
      })),
  desired: (section) =>
    items(section, 'resourceServers').map((server) => ({
      type: 'resourceServers',
      key: text(server.identifier),
      value: server,
    })),
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
