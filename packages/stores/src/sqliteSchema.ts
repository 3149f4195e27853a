import type { Database } from 'better-sqlite3';

/**
 * The tables of a SQLite meter store. `seq` is AUTOINCREMENT so that numbers are never
 * reused: the order of `seq` is the order decisions were made, across every process
 * that ever wrote to the file. Created inside a write transaction, so processes that
 * open a new file at the same time do not trip over each other.
 */
export function createSqliteSchema(db: Database, prefix: string): void {
  db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${prefix}counters (key TEXT PRIMARY KEY, counted INTEGER NOT NULL);
       CREATE TABLE IF NOT EXISTS ${prefix}decisions (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         request_id TEXT NOT NULL UNIQUE,
         record TEXT NOT NULL
       );`,
    );
  }).immediate();
}
