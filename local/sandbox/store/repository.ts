import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { notFound, type ApiError } from '../errors';

/** Where a repository's rows live and how a missing one is reported. */
export interface RepositoryTable {
  table: string;
  /** The column a row is looked up and deleted by. */
  key: string;
  /** The columns every read selects: the row shape. */
  columns: string;
  /** Auth0's 404 for this resource type. */
  missing: { message: string; errorCode: string };
}

/**
 * The shape every store repository shares: rows read by key or all in insertion order, turned into
 * the API's items by `toItem`, a 404 for a missing key. Subclasses add their own statements.
 */
export abstract class Repository<Item, Row> {
  private readonly selectAllRows: Statement<[], Row>;
  private readonly selectRowByKey: Statement<{ key: string }, Row>;
  private readonly deleteRowByKey: Statement<{ key: string }>;

  protected constructor(
    protected readonly db: Db,
    private readonly table: RepositoryTable,
  ) {
    this.selectAllRows = db.prepare<[], Row>(`SELECT ${table.columns} FROM ${table.table} ORDER BY rowid`);
    this.selectRowByKey = db.prepare<{ key: string }, Row>(
      `SELECT ${table.columns} FROM ${table.table} WHERE ${table.key} = @key`,
    );
    this.deleteRowByKey = db.prepare<{ key: string }>(`DELETE FROM ${table.table} WHERE ${table.key} = @key`);
  }

  protected abstract toItem(row: Row): Item;

  get(key: string): Item | undefined {
    const row = this.rowByKey(key);
    return row ? this.toItem(row) : undefined;
  }

  require(key: string): Item {
    const item = this.get(key);
    if (!item) throw this.missingError();
    return item;
  }

  protected allRows(): Row[] {
    return this.selectAllRows.all();
  }

  protected rowByKey(key: string): Row | undefined {
    return this.selectRowByKey.get({ key });
  }

  /** Deletes the row with this key; none is a 404. */
  protected removeRow(key: string): void {
    if (this.deleteRowByKey.run({ key }).changes === 0) throw this.missingError();
  }

  protected missingError(): ApiError {
    return notFound(this.table.missing.message, this.table.missing.errorCode);
  }
}
