import type { Db } from './db';
import { newConnectionId } from './ids';
import { applyPatch, parseDoc, type JsonObject } from './json';
import { Repository } from './repository';
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

export class ConnectionsRepo extends Repository<Connection, ConnectionRow> {
  private readonly selectByName;
  private readonly insertRow;
  private readonly updateDocument;
  private readonly selectClients;
  private readonly enableClient;
  private readonly disableClient;
  private readonly clientExists;

  constructor(db: Db) {
    const columns = 'rowid AS seq, id, name, strategy, doc';
    super(db, {
      table: 'connections',
      key: 'id',
      columns,
      missing: { message: 'The connection does not exist', errorCode: 'inexistent_connection' },
    });
    this.selectByName = db.prepare<{ name: string }, ConnectionRow>(
      `SELECT ${columns} FROM connections WHERE name = @name`,
    );
    this.insertRow = db.prepare<Omit<ConnectionRow, 'seq'>>(
      'INSERT INTO connections (id, name, strategy, doc) VALUES (@id, @name, @strategy, @doc)',
    );
    this.updateDocument = db.prepare<{ id: string; doc: string }>('UPDATE connections SET doc = @doc WHERE id = @id');
    this.selectClients = db.prepare<{ connectionId: string }, { client_id: string }>(
      'SELECT client_id FROM connection_clients WHERE connection_id = @connectionId ORDER BY rowid',
    );
    this.enableClient = db.prepare<{ connectionId: string; clientId: string }>(
      'INSERT OR IGNORE INTO connection_clients (connection_id, client_id) VALUES (@connectionId, @clientId)',
    );
    this.disableClient = db.prepare<{ connectionId: string; clientId: string }>(
      'DELETE FROM connection_clients WHERE connection_id = @connectionId AND client_id = @clientId',
    );
    this.clientExists = db.prepare<{ clientId: string }, { found: number }>(
      'SELECT 1 AS found FROM clients WHERE client_id = @clientId',
    );
  }

  list(filter: { strategies?: string[]; name?: string } = {}): ConnectionEntry[] {
    return this.allRows()
      .filter(
        (row) =>
          (!filter.strategies || filter.strategies.includes(row.strategy)) &&
          (filter.name === undefined || row.name === filter.name),
      )
      .map((row) => ({ seq: row.seq, connection: this.toItem(row) }));
  }

  getByName(name: string): Connection | undefined {
    const row = this.selectByName.get({ name });
    return row ? this.toItem(row) : undefined;
  }

  create(input: ConnectionCreate): Connection {
    return this.db.transaction(() => {
      if (this.selectByName.get({ name: input.name })) {
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
      this.insertRow.run({
        id: connection.id,
        name: connection.name,
        strategy: connection.strategy,
        doc: JSON.stringify(connection),
      });
      this.setEnabledClients(connection.id, enabledClients);
      return connection;
    })();
  }

  update(id: string, patch: ConnectionUpdate): Connection {
    return this.db.transaction(() => {
      const { enabled_clients: enabledClients, ...fields } = patch;
      const next = applyPatch(this.require(id), fields, { options: {} });
      this.updateDocument.run({ id, doc: JSON.stringify(next) });
      if (enabledClients !== undefined) {
        for (const clientId of this.enabledClients(id)) this.disableClient.run({ connectionId: id, clientId });
        this.setEnabledClients(id, enabledClients ?? []);
      }
      return next;
    })();
  }

  delete(id: string): void {
    this.removeRow(id);
  }

  enabledClients(id: string): string[] {
    return this.selectClients.all({ connectionId: id }).map((row) => row.client_id);
  }

  /** PATCH /connections/{id}/clients: all-or-nothing, unknown clients are rejected. */
  changeEnabledClients(id: string, changes: readonly EnabledClientChange[]): void {
    this.db.transaction(() => {
      this.require(id);
      for (const change of changes) {
        if (!this.clientExists.get({ clientId: change.client_id })) {
          throw notFound(`Client not found: ${change.client_id}`, 'inexistent_client');
        }
        const parameters = { connectionId: id, clientId: change.client_id };
        if (change.status) this.enableClient.run(parameters);
        else this.disableClient.run(parameters);
      }
    })();
  }

  private setEnabledClients(id: string, clientIds: readonly string[] | undefined): void {
    this.changeEnabledClients(
      id,
      (clientIds ?? []).map((clientId) => ({ client_id: clientId, status: true })),
    );
  }

  protected toItem(row: ConnectionRow): Connection {
    return { ...parseDoc<Connection>(row.doc), id: row.id, name: row.name, strategy: row.strategy };
  }
}
