import type { Db } from './db';
import { newClientId, newClientSecret } from './ids';
import { applyPatch, isJsonObject, parseDoc, type JsonObject } from './json';
import { Repository } from './repository';

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

export class ClientsRepo extends Repository<Client, ClientRow> {
  private readonly insertRow;
  private readonly updateRow;

  constructor(
    db: Db,
    private readonly tenantName: string,
  ) {
    super(db, {
      table: 'clients',
      key: 'client_id',
      columns: 'client_id, name, client_secret, doc',
      missing: { message: 'The client does not exist', errorCode: 'inexistent_client' },
    });
    this.insertRow = db.prepare<ClientRow>(
      'INSERT INTO clients (client_id, name, client_secret, doc) VALUES (@client_id, @name, @client_secret, @doc)',
    );
    this.updateRow = db.prepare<ClientRow>(
      'UPDATE clients SET name = @name, client_secret = @client_secret, doc = @doc WHERE client_id = @client_id',
    );
  }

  list(): Client[] {
    return this.allRows().map((row) => this.toItem(row));
  }

  create(input: ClientCreate): Client {
    const clientId = newClientId();
    const isPublic = input.app_type !== undefined && PUBLIC_APP_TYPES.has(input.app_type);
    const client: Client = {
      client_id: clientId,
      tenant: this.tenantName,
      global: false,
      is_first_party: true,
      callback_url_template: false,
      custom_login_page_on: true,
      sso_disabled: false,
      cross_origin_authentication: false,
      ...input,
      jwt_configuration: {
        alg: 'RS256',
        lifetime_in_seconds: 36000,
        secret_encoded: false,
        ...asObject(input.jwt_configuration),
      },
      grant_types: input.grant_types ?? defaultGrantTypes(input.app_type),
      token_endpoint_auth_method: input.token_endpoint_auth_method ?? (isPublic ? 'none' : 'client_secret_post'),
    };
    // Like Auth0, every client gets a secret, even public ones (it is simply never usable).
    this.insertRow.run({
      client_id: clientId,
      name: client.name,
      client_secret: newClientSecret(),
      doc: JSON.stringify(client),
    });
    return this.require(clientId);
  }

  update(clientId: string, patch: ClientUpdate): Client {
    const { client_secret: currentSecret, ...current } = this.require(clientId);
    const { client_secret: newSecret, client_metadata: metadataPatch, ...fields } = patch;
    const next = applyPatch<Client>(current, fields);
    if (isJsonObject(metadataPatch))
      next.client_metadata = mergeClientMetadata(current.client_metadata ?? {}, metadataPatch);
    this.updateRow.run({
      client_id: clientId,
      name: next.name,
      client_secret: newSecret ?? currentSecret ?? null,
      doc: JSON.stringify(next),
    });
    return this.require(clientId);
  }

  delete(clientId: string): void {
    this.removeRow(clientId);
  }

  // The secret lives in its own column so that the document never carries it around.
  protected toItem(row: ClientRow): Client {
    const client = parseDoc<Client>(row.doc);
    client.client_id = row.client_id;
    client.name = row.name;
    if (row.client_secret) client.client_secret = row.client_secret;
    return client;
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
