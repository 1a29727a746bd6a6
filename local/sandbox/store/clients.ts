import type { Db } from './db';
import { newClientId, newClientSecret } from './ids';
import { isJsonObject, parseDoc, type JsonObject } from './json';
import { notFound } from '../errors';

/** An application as the Management API returns it; fields the sandbox interprets are typed. */
export interface Client {
  client_id: string;
  client_secret?: string;
  name: string;
  tenant: string;
  global: boolean;
  is_first_party: boolean;
  app_type?: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  callbacks?: string[];
  allowed_logout_urls?: string[];
  web_origins?: string[];
  client_metadata?: Record<string, string>;
  [field: string]: unknown;
}

/** Validated create payload (see management-api/clients.ts for the schema). */
export interface ClientCreate {
  name: string;
  app_type?: string;
  grant_types?: string[];
  token_endpoint_auth_method?: string;
  client_metadata?: Record<string, string>;
  [field: string]: unknown;
}

/** Validated update payload: `null` unsets a field; `client_metadata` keys with `null` are removed. */
export interface ClientUpdate {
  name?: string;
  client_secret?: string;
  client_metadata?: Record<string, string | null>;
  [field: string]: unknown;
}

interface ClientRow {
  client_id: string;
  name: string;
  client_secret: string | null;
  doc: string;
}

// Interactive public clients cannot keep a secret, so Auth0 gives them no token endpoint auth.
const PUBLIC_APP_TYPES = new Set(['spa', 'native']);

function defaultGrantTypes(appType: string | undefined): string[] {
  if (appType === 'non_interactive') return ['client_credentials'];
  if (appType && PUBLIC_APP_TYPES.has(appType)) return ['authorization_code', 'implicit', 'refresh_token'];
  return ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'];
}

export class ClientsRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly insert;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(
    db: Db,
    private readonly tenantName: string,
  ) {
    this.selectAll = db.prepare<[], ClientRow>('SELECT client_id, name, client_secret, doc FROM clients ORDER BY rowid');
    this.selectOne = db.prepare<[string], ClientRow>('SELECT client_id, name, client_secret, doc FROM clients WHERE client_id = ?');
    this.insert = db.prepare<[string, string, string | null, string]>(
      'INSERT INTO clients (client_id, name, client_secret, doc) VALUES (?, ?, ?, ?)',
    );
    this.updateRow = db.prepare<[string, string | null, string, string]>(
      'UPDATE clients SET name = ?, client_secret = ?, doc = ? WHERE client_id = ?',
    );
    this.deleteRow = db.prepare<[string]>('DELETE FROM clients WHERE client_id = ?');
  }

  list(): Client[] {
    return this.selectAll.all().map(toClient);
  }

  get(clientId: string): Client | undefined {
    const row = this.selectOne.get(clientId);
    return row ? toClient(row) : undefined;
  }

  require(clientId: string): Client {
    const client = this.get(clientId);
    if (!client) throw notFound('The client does not exist', 'inexistent_client');
    return client;
  }

  create(input: ClientCreate): Client {
    const clientId = newClientId();
    const isPublic = input.app_type !== undefined && PUBLIC_APP_TYPES.has(input.app_type);
    const doc: Client = {
      client_id: clientId,
      tenant: this.tenantName,
      global: false,
      is_first_party: true,
      callback_url_template: false,
      custom_login_page_on: true,
      sso_disabled: false,
      cross_origin_authentication: false,
      ...input,
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false, ...asObject(input.jwt_configuration) },
      grant_types: input.grant_types ?? defaultGrantTypes(input.app_type),
      token_endpoint_auth_method: input.token_endpoint_auth_method ?? (isPublic ? 'none' : 'client_secret_post'),
    };
    // Like Auth0, every client gets a secret, even public ones (it is simply never usable).
    const secret = newClientSecret();
    this.insert.run(clientId, doc.name, secret, JSON.stringify(doc));
    return this.require(clientId);
  }

  update(clientId: string, patch: ClientUpdate): Client {
    const doc = this.require(clientId);
    const currentSecret = doc.client_secret;
    delete doc.client_secret;
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'client_secret') continue;
      if (field === 'client_metadata' && isJsonObject(value)) {
        doc.client_metadata = mergeClientMetadata(doc.client_metadata ?? {}, value);
      } else if (value === null) {
        delete doc[field];
      } else {
        doc[field] = value;
      }
    }
    this.updateRow.run(doc.name, patch.client_secret ?? currentSecret ?? null, JSON.stringify(doc), clientId);
    return this.require(clientId);
  }

  delete(clientId: string): void {
    if (this.deleteRow.run(clientId).changes === 0) throw notFound('The client does not exist', 'inexistent_client');
  }
}

function asObject(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function mergeClientMetadata(current: Record<string, string>, patch: JsonObject): Record<string, string> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (typeof value === 'string') merged[key] = value;
  }
  return merged;
}

// The secret lives in its own column so that the document never carries it around.
function toClient(row: ClientRow): Client {
  const client = parseDoc<Client>(row.doc);
  client.client_id = row.client_id;
  client.name = row.name;
  if (row.client_secret) client.client_secret = row.client_secret;
  return client;
}
