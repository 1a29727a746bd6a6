import type { Db } from './db';
import { newResourceServerId } from './ids';
import { parseDoc } from './json';
import { badRequest, conflict, forbidden, notFound } from '../errors';

export interface ResourceServerScope {
  value: string;
  description?: string;
}

export interface ResourceServer {
  id: string;
  name: string;
  identifier: string;
  is_system: boolean;
  scopes: ResourceServerScope[];
  signing_alg: string;
  token_lifetime: number;
  allow_offline_access: boolean;
  [field: string]: unknown;
}

export interface ResourceServerCreate {
  identifier: string;
  name?: string;
  scopes?: ResourceServerScope[];
  [field: string]: unknown;
}

export interface ResourceServerUpdate {
  name?: string;
  scopes?: ResourceServerScope[];
  [field: string]: unknown;
}

interface ResourceServerRow {
  id: string;
  identifier: string;
  is_system: number;
  doc: string;
}

export const MANAGEMENT_API_NAME = 'Auth0 Management API';

export class ResourceServersRepo {
  private readonly selectAll;
  private readonly selectById;
  private readonly selectByIdentifier;
  private readonly selectSystem;
  private readonly insert;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(private readonly db: Db) {
    const columns = 'id, identifier, is_system, doc';
    this.selectAll = db.prepare<[], ResourceServerRow>(`SELECT ${columns} FROM resource_servers ORDER BY rowid`);
    this.selectById = db.prepare<[string], ResourceServerRow>(`SELECT ${columns} FROM resource_servers WHERE id = ?`);
    this.selectByIdentifier = db.prepare<[string], ResourceServerRow>(
      `SELECT ${columns} FROM resource_servers WHERE identifier = ?`,
    );
    this.selectSystem = db.prepare<[string], ResourceServerRow>(
      `SELECT ${columns} FROM resource_servers WHERE is_system = 1 AND json_extract(doc, '$.name') = ?`,
    );
    this.insert = db.prepare<[string, string, number, string]>(
      'INSERT INTO resource_servers (id, identifier, is_system, doc) VALUES (?, ?, ?, ?)',
    );
    this.updateRow = db.prepare<[string, string, string]>('UPDATE resource_servers SET identifier = ?, doc = ? WHERE id = ?');
    this.deleteRow = db.prepare<[string]>('DELETE FROM resource_servers WHERE id = ?');
  }

  list(): ResourceServer[] {
    return this.selectAll.all().map(toResourceServer);
  }

  /** Accepts the id or, like Auth0, the identifier (audience). */
  get(idOrIdentifier: string): ResourceServer | undefined {
    const row = this.selectById.get(idOrIdentifier) ?? this.selectByIdentifier.get(idOrIdentifier);
    return row ? toResourceServer(row) : undefined;
  }

  require(idOrIdentifier: string): ResourceServer {
    const server = this.get(idOrIdentifier);
    if (!server) throw notFound('The resource server does not exist', 'inexistent_resource_server');
    return server;
  }

  create(input: ResourceServerCreate): ResourceServer {
    if (this.selectByIdentifier.get(input.identifier)) {
      throw conflict('A resource server with the same identifier already exists', 'resource_server_conflict');
    }
    assertUniqueScopes(input.scopes);
    const id = newResourceServerId();
    const server: ResourceServer = {
      id,
      name: input.name ?? input.identifier,
      is_system: false,
      scopes: [],
      signing_alg: 'RS256',
      token_lifetime: 86400,
      token_lifetime_for_web: 7200,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
      enforce_policies: false,
      token_dialect: 'access_token',
      ...input,
    };
    this.insert.run(id, server.identifier, 0, JSON.stringify(server));
    return this.require(id);
  }

  update(idOrIdentifier: string, patch: ResourceServerUpdate): ResourceServer {
    const current = this.require(idOrIdentifier);
    if (current.is_system) throw forbidden('You cannot modify a system resource server', 'operation_not_supported');
    assertUniqueScopes(patch.scopes);
    const next: ResourceServer = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete next[field];
      else next[field] = value;
    }
    this.updateRow.run(next.identifier, JSON.stringify(next), current.id);
    return this.require(current.id);
  }

  delete(idOrIdentifier: string): void {
    const current = this.require(idOrIdentifier);
    if (current.is_system) throw forbidden('You cannot delete a system resource server', 'operation_not_supported');
    this.deleteRow.run(current.id);
  }

  /**
   * The Management API is a system resource server whose identifier follows the sandbox's domain
   * (`https://127.0.0.1:<port>/api/v2/`). Moving it carries existing grants along (ON UPDATE CASCADE).
   */
  ensureManagementApi(identifier: string, scopes: readonly ResourceServerScope[]): ResourceServer {
    return this.db.transaction(() => {
      const existing = this.selectSystem.get(MANAGEMENT_API_NAME);
      const server: ResourceServer = {
        id: existing?.id ?? newResourceServerId(),
        name: MANAGEMENT_API_NAME,
        identifier,
        is_system: true,
        scopes: [...scopes],
        signing_alg: 'RS256',
        token_lifetime: 86400,
        allow_offline_access: false,
        skip_consent_for_verifiable_first_party_clients: false,
        token_dialect: 'access_token',
      };
      if (existing) this.updateRow.run(identifier, JSON.stringify(server), existing.id);
      else this.insert.run(server.id, identifier, 1, JSON.stringify(server));
      return server;
    })();
  }
}

function assertUniqueScopes(scopes: ResourceServerScope[] | undefined): void {
  const seen = new Set<string>();
  for (const scope of scopes ?? []) {
    if (seen.has(scope.value)) throw badRequest(`Duplicated scope value: ${scope.value}`);
    seen.add(scope.value);
  }
}

function toResourceServer(row: ResourceServerRow): ResourceServer {
  return { ...parseDoc<ResourceServer>(row.doc), id: row.id, identifier: row.identifier, is_system: row.is_system === 1 };
}
