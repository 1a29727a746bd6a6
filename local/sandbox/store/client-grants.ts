import type { Db } from './db';
import { newClientGrantId } from './ids';
import { parseDoc } from './json';
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

export class ClientGrantsRepo {
  private readonly selectAll;
  private readonly selectOne;
  private readonly selectPair;
  private readonly insert;
  private readonly updateRow;
  private readonly deleteRow;

  constructor(
    db: Db,
    private readonly clients: ClientsRepo,
    private readonly resourceServers: ResourceServersRepo,
  ) {
    const columns = 'rowid AS seq, id, client_id, audience, doc';
    this.selectAll = db.prepare<[], ClientGrantRow>(`SELECT ${columns} FROM client_grants ORDER BY rowid`);
    this.selectOne = db.prepare<[string], ClientGrantRow>(`SELECT ${columns} FROM client_grants WHERE id = ?`);
    this.selectPair = db.prepare<[string, string], ClientGrantRow>(
      `SELECT ${columns} FROM client_grants WHERE client_id = ? AND audience = ?`,
    );
    this.insert = db.prepare<[string, string, string, string]>(
      'INSERT INTO client_grants (id, client_id, audience, doc) VALUES (?, ?, ?, ?)',
    );
    this.updateRow = db.prepare<[string, string]>('UPDATE client_grants SET doc = ? WHERE id = ?');
    this.deleteRow = db.prepare<[string]>('DELETE FROM client_grants WHERE id = ?');
  }

  list(filter: { audience?: string; clientId?: string } = {}): ClientGrantEntry[] {
    return this.selectAll
      .all()
      .filter((row) => (filter.audience === undefined || row.audience === filter.audience)
        && (filter.clientId === undefined || row.client_id === filter.clientId))
      .map((row) => ({ seq: row.seq, grant: toGrant(row) }));
  }

  get(id: string): ClientGrant | undefined {
    const row = this.selectOne.get(id);
    return row ? toGrant(row) : undefined;
  }

  require(id: string): ClientGrant {
    const grant = this.get(id);
    if (!grant) throw notFound('The client grant does not exist', 'inexistent_client_grant');
    return grant;
  }

  find(clientId: string, audience: string): ClientGrant | undefined {
    const row = this.selectPair.get(clientId, audience);
    return row ? toGrant(row) : undefined;
  }

  /** The scopes a client may request for an audience: its grant's, or all of the API's. */
  grantedScopes(clientId: string, audience: string): string[] | undefined {
    const grant = this.find(clientId, audience);
    if (!grant) return undefined;
    if (grant.allow_all_scopes) return this.resourceServers.require(audience).scopes.map((s) => s.value);
    return grant.scope;
  }

  create(input: ClientGrantCreate): ClientGrant {
    if (!this.clients.get(input.client_id)) throw notFound('Client not found', 'inexistent_client');
    const server = this.resourceServers.get(input.audience);
    if (!server || server.identifier !== input.audience) {
      throw notFound('No resource server found by specified identifier', 'inexistent_resource_server');
    }
    if (this.selectPair.get(input.client_id, input.audience)) {
      throw conflict('A client grant for this client and audience already exists', 'client_grant_conflict');
    }
    assertScopes(input, server.scopes.map((s) => s.value));
    const grant: ClientGrant = { ...input, id: newClientGrantId(), scope: input.scope ?? [] };
    this.insert.run(grant.id, grant.client_id, grant.audience, JSON.stringify(grant));
    return grant;
  }

  update(id: string, patch: ClientGrantUpdate): ClientGrant {
    const current = this.require(id);
    const next: ClientGrant = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) {
        if (field === 'scope') next.scope = [];
        else delete next[field];
      } else {
        next[field] = value;
      }
    }
    assertScopes(next, this.resourceServers.require(current.audience).scopes.map((s) => s.value));
    this.updateRow.run(JSON.stringify(next), id);
    return next;
  }

  delete(id: string): void {
    if (this.deleteRow.run(id).changes === 0) throw notFound('The client grant does not exist', 'inexistent_client_grant');
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

function toGrant(row: ClientGrantRow): ClientGrant {
  return { ...parseDoc<ClientGrant>(row.doc), id: row.id, client_id: row.client_id, audience: row.audience };
}
