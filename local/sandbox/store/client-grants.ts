import type { Db } from './db';
import { newClientGrantId } from './ids';
import { applyPatch, parseDoc } from './json';
import { Repository } from './repository';
import { badRequest, conflict, notFound } from '../errors';
import type { ResourceServersRepo } from './resource-servers';
import type { ClientsRepo } from './clients';

export interface ClientGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
  allow_all_scopes?: boolean;
  [field: string]: unknown;
}

export interface ClientGrantCreate {
  client_id: string;
  audience: string;
  scope?: string[];
  allow_all_scopes?: boolean;
  [field: string]: unknown;
}

export interface ClientGrantUpdate {
  scope?: string[] | null;
  allow_all_scopes?: boolean | null;
  [field: string]: unknown;
}

/** A grant with its position, for checkpoint pagination. */
export interface ClientGrantEntry {
  seq: number;
  grant: ClientGrant;
}

interface ClientGrantRow {
  seq: number;
  id: string;
  client_id: string;
  audience: string;
  doc: string;
}

export class ClientGrantsRepo extends Repository<ClientGrant, ClientGrantRow> {
  private readonly selectPair;
  private readonly insertRow;
  private readonly updateDocument;

  constructor(
    db: Db,
    private readonly clients: ClientsRepo,
    private readonly resourceServers: ResourceServersRepo,
  ) {
    const columns = 'rowid AS seq, id, client_id, audience, doc';
    super(db, {
      table: 'client_grants',
      key: 'id',
      columns,
      missing: { message: 'The client grant does not exist', errorCode: 'inexistent_client_grant' },
    });
    this.selectPair = db.prepare<{ clientId: string; audience: string }, ClientGrantRow>(
      `SELECT ${columns} FROM client_grants WHERE client_id = @clientId AND audience = @audience`,
    );
    this.insertRow = db.prepare<Omit<ClientGrantRow, 'seq'>>(
      'INSERT INTO client_grants (id, client_id, audience, doc) VALUES (@id, @client_id, @audience, @doc)',
    );
    this.updateDocument = db.prepare<{ id: string; doc: string }>('UPDATE client_grants SET doc = @doc WHERE id = @id');
  }

  list(filter: { audience?: string; clientId?: string } = {}): ClientGrantEntry[] {
    return this.allRows()
      .filter(
        (row) =>
          (filter.audience === undefined || row.audience === filter.audience) &&
          (filter.clientId === undefined || row.client_id === filter.clientId),
      )
      .map((row) => ({ seq: row.seq, grant: this.toItem(row) }));
  }

  find(clientId: string, audience: string): ClientGrant | undefined {
    const row = this.selectPair.get({ clientId, audience });
    return row ? this.toItem(row) : undefined;
  }

  /** The scopes a client may request for an audience: its grant's, or all of the API's. */
  grantedScopes(clientId: string, audience: string): string[] | undefined {
    const grant = this.find(clientId, audience);
    if (!grant) return undefined;
    if (grant.allow_all_scopes) return this.definedScopes(audience);
    return grant.scope;
  }

  create(input: ClientGrantCreate): ClientGrant {
    if (!this.clients.get(input.client_id)) throw notFound('Client not found', 'inexistent_client');
    const server = this.resourceServers.get(input.audience);
    if (!server || server.identifier !== input.audience) {
      throw notFound('No resource server found by specified identifier', 'inexistent_resource_server');
    }
    if (this.find(input.client_id, input.audience)) {
      throw conflict('A client grant for this client and audience already exists', 'client_grant_conflict');
    }
    assertScopes(input, this.definedScopes(input.audience));
    const grant: ClientGrant = { ...input, id: newClientGrantId(), scope: input.scope ?? [] };
    this.insertRow.run({
      id: grant.id,
      client_id: grant.client_id,
      audience: grant.audience,
      doc: JSON.stringify(grant),
    });
    return grant;
  }

  update(id: string, patch: ClientGrantUpdate): ClientGrant {
    const current = this.require(id);
    const next = applyPatch(current, patch, { scope: [] });
    assertScopes(next, this.definedScopes(current.audience));
    this.updateDocument.run({ id, doc: JSON.stringify(next) });
    return next;
  }

  delete(id: string): void {
    this.removeRow(id);
  }

  private definedScopes(audience: string): string[] {
    return this.resourceServers.require(audience).scopes.map((scope) => scope.value);
  }

  protected toItem(row: ClientGrantRow): ClientGrant {
    return { ...parseDoc<ClientGrant>(row.doc), id: row.id, client_id: row.client_id, audience: row.audience };
  }
}

// Sandbox strictness: a scope the API does not define is a typo waiting to fail at runtime.
function assertScopes(grant: { scope?: string[]; allow_all_scopes?: boolean }, defined: string[]): void {
  if (grant.allow_all_scopes && (grant.scope?.length ?? 0) > 0) {
    throw badRequest('scope cannot be set when allow_all_scopes is true');
  }
  const unknown = (grant.scope ?? []).filter((scope) => !defined.includes(scope));
  if (unknown.length > 0) {
    throw badRequest(`Scopes not defined by the resource server: ${unknown.join(', ')}`, 'invalid_scope');
  }
}
