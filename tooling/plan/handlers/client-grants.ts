import { compareFields } from '../diff';
import type { JsonObject } from '../json';
import type { ValueObject } from '../model';
import type { Handler } from './handler';
import { items, objectList, sortedStrings, strip, text } from './handler';

/** Grants, matched by (client name, audience); `scope` is a set. The deploy client's own grants are not ours to manage. */
export const clientGrants: Handler = {
  type: 'clientGrants',
  read: (api) => api.checkpoint('/client-grants', 'client_grants'),
  current: (raw, ctx) =>
    objectList(raw, 'client grants')
      .filter((grant) => !ctx.ownClients.has(text(grant.client_id)))
      .map((grant) => {
        const client = ctx.clientNames.get(text(grant.client_id)) ?? text(grant.client_id);
        const value: JsonObject = {
          ...strip(grant, ['id']),
          client_id: client,
          ...(sortedStrings(grant.scope) ? { scope: sortedStrings(grant.scope) ?? [] } : {}),
        };
        return { type: 'clientGrants', key: grantKey(client, text(grant.audience)), value };
      }),
  desired: (section) =>
    items(section, 'clientGrants').map((grant) => {
      const scope = sortedStrings(grant.scope);
      const value: ValueObject = scope === undefined ? grant : { ...grant, scope };
      return { type: 'clientGrants', key: grantKey(text(grant.client_id), text(grant.audience)), value };
    }),
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};

function grantKey(client: string, audience: string): string {
  return `${client} → ${audience}`;
}
