import { compareFields } from '../diff';
import type { Handler } from './handler';
import { items, objectList, strip, text } from './handler';

/** Server-generated or credential fields: never compared, never pulled. */
const READ_ONLY = [
  'client_id',
  'client_secret',
  'tenant',
  'global',
  'signing_keys',
  'created_at',
  'updated_at',
  'owners',
];

/** Applications, matched by name (deploy-cli's identity for them: a rename creates a new client). */
export const clients: Handler = {
  type: 'clients',
  read: (api) => api.pages('/clients', 'clients', '&include_totals=true'),
  current: (raw, ctx) =>
    objectList(raw, 'clients')
      .filter((client) => !ctx.ownClients.has(text(client.client_id)))
      .map((client) => ({ type: 'clients', key: text(client.name), value: strip(client, READ_ONLY) })),
  desired: (section) =>
    items(section, 'clients').map((client) => ({ type: 'clients', key: text(client.name), value: client })),
  compare: (desired, current, ctx) => compareFields(desired.value, current.value, ctx),
};
