import type { Db } from './db';
import { newResourceServerId } from './ids';
import { applyPatch, parseDoc } from './json';
import { Repository } from './repository';
import { badRequest, conflict, forbidden } from '../errors';

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

export class ResourceServersRepo extends Repository<ResourceServer, ResourceServerRow> {
  private readonly selectByIdentifier;
  private readonly selectSystem;
  private readonly insertRow;
  private readonly updateRow;

  constructor(db: Db) {
    const columns = 'id, identifier, is_system, doc';
    super(db, {
      table: 'resource_servers',
      key: 'id',
      columns,
      missing: { message: 'The resource server does not exist', errorCode: 'inexistent_resource_server' },
    });
    this.selectByIdentifier = db.prepare<{ identifier: string }, ResourceServerRow>(
      `SELECT ${columns} FROM resource_servers WHERE identifier = @identifier`,
    );
    this.selectSystem = db.prepare<{ name: string }, ResourceServerRow>(
      `SELECT ${columns} FROM resource_servers WHERE is_system = 1 AND json_extract(doc, '$.name') = @name`,
    );
    this.insertRow = db.prepare<ResourceServerRow>(
      'INSERT INTO resource_servers (id, identifier, is_system, doc) VALUES (@id, @identifier, @is_system, @doc)',
    );
    this.updateRow = db.prepare<Omit<ResourceServerRow, 'is_system'>>(
      'UPDATE resource_servers SET identifier = @identifier, doc = @doc WHERE id = @id',
    );
  }

  list(): ResourceServer[] {
    return this.allRows().map((row) => this.toItem(row));
  }

  /** Accepts the id or, like Auth0, the identifier (audience). */
  override get(idOrIdentifier: string): ResourceServer | undefined {
    const row = this.rowByKey(idOrIdentifier) ?? this.selectByIdentifier.get({ identifier: idOrIdentifier });
    return row ? this.toItem(row) : undefined;
  }

  create(input: ResourceServerCreate): ResourceServer {
    if (this.selectByIdentifier.get({ identifier: input.identifier })) {
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
    this.insertRow.run({ id, identifier: server.identifier, is_system: 0, doc: JSON.stringify(server) });
    return this.require(id);
  }

  update(idOrIdentifier: string, patch: ResourceServerUpdate): ResourceServer {
    const current = this.require(idOrIdentifier);
    if (current.is_system) throw forbidden('You cannot modify a system resource server', 'operation_not_supported');
    assertUniqueScopes(patch.scopes);
    const next = applyPatch(current, patch);
    this.updateRow.run({ id: current.id, identifier: next.identifier, doc: JSON.stringify(next) });
    return this.require(current.id);
  }

  delete(idOrIdentifier: string): void {
    const current = this.require(idOrIdentifier);
    if (current.is_system) throw forbidden('You cannot delete a system resource server', 'operation_not_supported');
    this.removeRow(current.id);
  }

  /**
   * The Management API is a system resource server whose identifier follows the sandbox's domain
   * (`https://127.0.0.1:<port>/api/v2/`). Moving it carries existing grants along (ON UPDATE CASCADE).
   */
  ensureManagementApi(identifier: string, scopes: readonly ResourceServerScope[]): ResourceServer {
    return this.db.transaction(() => {
      const existing = this.selectSystem.get({ name: MANAGEMENT_API_NAME });
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
      const row = { id: server.id, identifier, doc: JSON.stringify(server) };
      if (existing) this.updateRow.run(row);
      else this.insertRow.run({ ...row, is_system: 1 });
      return server;
    })();
  }

  protected toItem(row: ResourceServerRow): ResourceServer {
    return {
      ...parseDoc<ResourceServer>(row.doc),
      id: row.id,
      identifier: row.identifier,
      is_system: row.is_system === 1,
    };
  }
}

function assertUniqueScopes(scopes: ResourceServerScope[] | undefined): void {
  const seen = new Set<string>();
  for (const scope of scopes ?? []) {
    if (seen.has(scope.value)) throw badRequest(`Duplicated scope value: ${scope.value}`);
    seen.add(scope.value);
  }
}
