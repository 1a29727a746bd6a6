import { compareFields } from '../diff';
import { isObject, type JsonValue, type JsonObject } from '../json';
import type { ManagementApi } from '../management-api';
import type { ValueObject } from '../model';
import type { Handler } from './handler';
import { items, objectList, sortedStrings, strip, text } from './handler';

/**
 * Databases (strategy auth0) and the other connections, matched by name. `enabled_clients` is
 * compared as a set of client names: Auth0 keeps it per connection (GET /connections/{id}/clients),
 * in no meaningful order.
 */
function connectionHandler(type: 'databases' | 'connections'): Handler {
  const isDatabase = (connection: JsonObject): boolean => connection.strategy === 'auth0';
  return {
    type,
    async read(api) {
      const all = await api.checkpoint(
        type === 'databases' ? '/connections?strategy=auth0' : '/connections',
        'connections',
      );
      const mine = all.filter((c) => isDatabase(c) === (type === 'databases'));
      return Promise.all(
        mine.map(async (connection) => ({
          ...connection,
          enabled_clients: await enabledClients(api, text(connection.id)),
        })),
      );
    },
    current: (raw, ctx) =>
      objectList(raw, type).map((connection) => {
        const ids = sortedStrings(connection.enabled_clients) ?? [];
        const value: JsonObject = {
          ...strip(connection, ['id', 'provisioning_ticket_url']),
          enabled_clients: ids.map((id) => ctx.clientNames.get(id) ?? id).sort(),
        };
        return { type, key: text(connection.name), value };
      }),
    desired: (section) =>
      items(section, type).map((connection) => {
        const enabled = sortedStrings(connection.enabled_clients);
        const value: ValueObject = enabled === undefined ? connection : { ...connection, enabled_clients: enabled };
        return { type, key: text(connection.name), value };
      }),
    compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
  };
}

async function enabledClients(api: ManagementApi, connectionId: string): Promise<JsonValue> {
  const entries = await api.checkpoint(`/connections/${encodeURIComponent(connectionId)}/clients`, 'clients');
  return entries.flatMap((entry) => (isObject(entry) && typeof entry.client_id === 'string' ? [entry.client_id] : []));
}

export const databases = connectionHandler('databases');
export const connections = connectionHandler('connections');
