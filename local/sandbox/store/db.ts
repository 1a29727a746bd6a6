import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  // WAL + FULL sync: a committed transaction survives a crash of the process or the machine,
  // and an interrupted one leaves nothing behind.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const applied = Number(db.pragma('user_version', { simple: true }));
  if (applied > MIGRATIONS.length) {
    db.close();
    throw new Error(
      `Sandbox database schema version ${applied} is newer than this code knows (${MIGRATIONS.length}); start with --reset.`,
    );
  }
  if (applied === MIGRATIONS.length) return;
  db.transaction(() => {
    for (const sql of MIGRATIONS.slice(applied)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}
