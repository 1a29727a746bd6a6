import type { Db } from './db';
import { newConnectionId } from './ids';
import { parseDoc, type JsonObject } from './json';
import { conflict, notFound } from '../errors';

export interface Connection {
  id: string;
  name: string;
  strategy: string;
  display_name?: string;
  options: JsonObject;
  is_domain_connection: boolean;
  realms: string[];
  [field: string]: unknown;
}

export interface ConnectionCreate {
  name: string;
  strategy: string;
  options?: JsonObject;
  /** Deprecated by Auth0 but still accepted: sets the initial enabled clients. */
  enabled_clients?: string[];
  [field: string]: unknown;
}

export interface ConnectionUpdate {
  options?: JsonObject | null;
  enabled_clients?: string[] | null;
  [field: string]: unknown;
}

export interface ConnectionEntry {
  seq: number;
  connection: Connection;
}

export interface EnabledClientChange {
  client_id: string;
  status: boolean;
}

interface ConnectionRow {
  seq: number;
  id: string;
  name: string;
  strategy: string;
  doc: string;
}

export class ConnectionsRepo {
  private readonly selectAll;
  private readonly selectById;
  private readonly selectByName;
  private readonly insert;
  private readonly updateRow;
  private readonly deleteRow;
  private readonly selectClients;
  private readonly enableClient;
  private readonly disableClient;
  private readonly clientExists;

  constructor(private readonly db: Db) {
    const columns = 'rowid AS seq, id, name, strategy, doc';
    this.selectAll = db.prepare<[], ConnectionRow>(`SELECT ${columns} FROM connections ORDER BY rowid`);
    this.selectById = db.prepare<[string], ConnectionRow>(`SELECT ${columns} FROM connections WHERE id = ?`);
    this.selectByName = db.prepare<[string], ConnectionRow>(`SELECT ${columns} FROM connections WHERE name = ?`);
    this.insert = db.prepare<[string, string, string, string]>(
      'INSERT INTO connections (id, name, strategy, doc) VALUES (?, ?, ?, ?)',
    );
    this.updateRow = db.prepare<[string, string]>('UPDATE connections SET doc = ? WHERE id = ?');
    this.deleteRow = db.prepare<[string]>('DELETE FROM connections WHERE id = ?');
    this.selectClients = db.prepare<[string], { client_id: string }>(
      'SELECT client_id FROM connection_clients WHERE connection_id = ? ORDER BY rowid',
    );
    this.enableClient = db.prepare<[string, string]>(
      'INSERT OR IGNORE INTO connection_clients (connection_id, client_id) VALUES (?, ?)',
    );
    this.disableClient = db.prepare<[string, string]>(
      'DELETE FROM connection_clients WHERE connection_id = ? AND client_id = ?',
    );
    this.clientExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM clients WHERE client_id = ?');
  }

  list(filter: { strategies?: string[]; name?: string } = {}): ConnectionEntry[] {
    return this.selectAll
      .all()
      .filter((row) => (!filter.strategies || filter.strategies.includes(row.strategy))
        && (filter.name === undefined || row.name === filter.name))
      .map((row) => ({ seq: row.seq, connection: toConnection(row) }));
  }

  get(id: string): Connection | undefined {
    const row = this.selectById.get(id);
    return row ? toConnection(row) : undefined;
  }

  getByName(name: string): Connection | undefined {
    const row = this.selectByName.get(name);
    return row ? toConnection(row) : undefined;
  }

  require(id: string): Connection {
    const connection = this.get(id);
    if (!connection) throw notFound('The connection does not exist', 'inexistent_connection');
    return connection;
  }

  create(input: ConnectionCreate): Connection {
    return this.db.transaction(() => {
      if (this.selectByName.get(input.name)) {
        throw conflict('A connection with the same name already exists', 'connection_conflict');
      }
      const { enabled_clients: enabledClients, ...fields } = input;
      const connection: Connection = {
        id: newConnectionId(),
        options: {},
        is_domain_connection: false,
        // Database and enterprise connections are their own realm unless told otherwise.
        realms: [input.name],
        ...fields,
      };
      this.insert.run(connection.id, connection.name, connection.strategy, JSON.stringify(connection));
      this.setEnabledClients(connection.id, enabledClients);
      return connection;
    })();
  }

  update(id: string, patch: ConnectionUpdate): Connection {
    return this.db.transaction(() => {
      const current = this.require(id);
      const { enabled_clients: enabledClients, ...fields } = patch;
      const next: Connection = { ...current };
      for (const [field, value] of Object.entries(fields)) {
        if (value === null) {
          if (field === 'options') next.options = {};
          else delete next[field];
        } else {
          next[field] = value;
        }
      }
      this.updateRow.run(JSON.stringify(next), id);
      if (enabledClients !== undefined) {
        for (const clientId of this.enabledClients(id)) this.disableClient.run(id, clientId);
        this.setEnabledClients(id, enabledClients ?? []);
      }
      return next;
    })();
  }

  delete(id: string): void {
    if (this.deleteRow.run(id).changes === 0) throw notFound('The connection does not exist', 'inexistent_connection');
  }

  enabledClients(id: string): string[] {
    return this.selectClients.all(id).map((row) => row.client_id);
  }

  /** PATCH /connections/{id}/clients: all-or-nothing, unknown clients are rejected. */
  changeEnabledClients(id: string, changes: readonly EnabledClientChange[]): void {
    this.db.transaction(() => {
      this.require(id);
      for (const change of changes) {
        if (!this.clientExists.get(change.client_id)) {
          throw notFound(`Client not found: ${change.client_id}`, 'inexistent_client');
        }
        if (change.status) this.enableClient.run(id, change.client_id);
        else this.disableClient.run(id, change.client_id);
      }
    })();
  }

  private setEnabledClients(id: string, clientIds: readonly string[] | undefined): void {
    this.changeEnabledClients(id, (clientIds ?? []).map((clientId) => ({ client_id: clientId, status: true })));
  }
}

function toConnection(row: ConnectionRow): Connection {
  return { ...parseDoc<Connection>(row.doc), id: row.id, name: row.name, strategy: row.strategy };
}
