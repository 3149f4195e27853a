import type { Database } from 'better-sqlite3';
import { createThresholdEventsTable } from './sqliteEvents.js';
import { StoreError } from './storeError.js';

/**
 * How a SQLite store keeps its decisions:
 * - `compact` (stores created since the compact layout): a decision's own values in
 *   columns of `decision_rows`, the fields that take few values (its shape: policy
 *   version, route, rules, status, ...) once per combination in `decision_shapes`, and
 *   counters kept with the decisions (see `createCompactTables`). `decisions` and
 *   `counters` are views that show them as the first layout kept them, for anyone
 *   reading the file with SQL.
 * - `json` (stores created before): `decisions(seq, request_id, record)`, the record's
 *   JSON text, and `counters(key, counted)`. Such stores keep working in their own layout.
 */
export type SqliteLayoutKind = 'compact' | 'json';

/**
 * Finds the layout of the store's tables, creating the compact layout in a new file.
 * Runs inside a write transaction, so processes that open a new file at the same time
 * do not trip over each other.
 */
export function openSqliteSchema(db: Database, prefix: string, path: string): SqliteLayoutKind {
  return db
    .transaction((): SqliteLayoutKind => {
      const decisions = db
        .prepare<[string], string>(`SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE`)
        .pluck()
        .get(`${prefix}decisions`);
      if (decisions === 'table') {
        // The counters table is created as the first layout created it.
        db.exec(`CREATE TABLE IF NOT EXISTS ${prefix}counters (key TEXT PRIMARY KEY, counted INTEGER NOT NULL)`);
        addFeeStateColumns(db, `${prefix}counters`, true);
        // Threshold events (issue 17): added to files of every layout and age on opening.
        createThresholdEventsTable(db, prefix);
        return 'json';
      }
      if (decisions === undefined) createCompactTables(db, prefix, path);
      else if (decisions !== 'view') throw new StoreError('STORE_FORMAT', `${path}: ${prefix}decisions is a ${decisions}, not a meter store's table`);
      else {
        addFeeStateColumns(db, `${prefix}decision_rows`, false);
        addFeeStateColumns(db, `${prefix}counter_snapshot`, true);
      }
      createThresholdEventsTable(db, prefix);
      return 'compact';
    })
    .immediate();
}

/**
 * Stores made before counters kept a fee state (the pricing language's list cost counted and
 * fees paid) are migrated in place: the two columns are added, and every existing counter's
 * fee state reads as 0 (`DEFAULT '0'`, or NULL in decision rows, which reads as 0). That is
 * exact: no fee state existed then, so nothing was counted toward list-usd tiers or a cap.
 * Runs inside the opening write transaction, so two processes never both add a column.
 */
function addFeeStateColumns(db: Database, table: string, notNull: boolean): void {
  const columns = new Set(db.prepare<[], string>(`SELECT name FROM pragma_table_info('${table}')`).pluck().all());
  const type = notNull ? `TEXT NOT NULL DEFAULT '0'` : 'TEXT';
  for (const column of ['list_usd', 'fees']) if (!columns.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

/**
 * The compact layout.
 *
 * Decisions: `seq` is AUTOINCREMENT so that numbers are never reused: the order of `seq`
 * is the order decisions were made, across every process that ever wrote to the file.
 * `record` holds the whole JSON of a record that does not fit the columns (see
 * `fitsColumns`).
 *
 * Counters: a decision that changes its counter carries the new value (`counted`, and
 * `counter_key` when the key is not `scope` LF `period`), committed with it, so a batch
 * writes no counter rows: rewriting a counter row of every scope a batch touches was
 * most of what a commit wrote. `counter_snapshot` holds every counter as of the decision
 * `counter_fold.seq`, folded in now and then; a counter is the value of its latest
 * decision after that, else its snapshot. A counter's value is its count and its fee
 * state (`list_usd`, `fees`: whole units of 10^-12 and 10^-24 dollars as decimal text,
 * NULL in a decision row for 0), carried and folded together. The `counters` view shows exactly that, so
 * the file reads as before at every commit. (A counter whose key holds a lone surrogate,
 * which SQLite cannot return as it was given, is written to the snapshot at once.)
 */
function createCompactTables(db: Database, p: string, path: string): void {
  try {
    db.exec(
      `CREATE TABLE ${p}decision_shapes (id INTEGER PRIMARY KEY, shape TEXT NOT NULL UNIQUE);
       CREATE TABLE ${p}decision_rows (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         request_id TEXT NOT NULL UNIQUE,
         instant TEXT,
         scope TEXT,
         period TEXT,
         shape INTEGER REFERENCES ${p}decision_shapes (id),
         ordinal INTEGER,
         cost TEXT,
         fee TEXT,
         charge TEXT,
         charged TEXT,
         record TEXT,
         counter_key TEXT,
         counted INTEGER,
         list_usd TEXT,
         fees TEXT
       );
       CREATE TABLE ${p}counter_snapshot (
         key TEXT PRIMARY KEY, counted INTEGER NOT NULL, list_usd TEXT NOT NULL DEFAULT '0', fees TEXT NOT NULL DEFAULT '0'
       ) WITHOUT ROWID;
       CREATE TABLE ${p}counter_fold (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
       INSERT INTO ${p}counter_fold (id, seq) VALUES (1, 0);
       CREATE VIEW ${p}counters AS
         -- The columns keep the snapshot's declared types; SQLite takes the bare column
         -- counted from the row where max(seq) is found: the latest value.
         SELECT key, counted FROM (
           SELECT key, counted, max(seq) FROM (
             SELECT key, counted, 0 AS seq FROM ${p}counter_snapshot
             UNION ALL
             SELECT CAST(coalesce(counter_key, scope || char(10) || period) AS TEXT), counted, seq FROM ${p}decision_rows
             WHERE counted IS NOT NULL AND seq > (SELECT seq FROM ${p}counter_fold)
           ) GROUP BY key
         );
       CREATE VIEW ${p}decisions AS
         SELECT d.seq AS seq, d.request_id AS request_id, CAST(coalesce(d.record, json_object(
           'requestId', d.request_id, 'instant', d.instant, 'scope', d.scope, 'period', d.period,
           'policyVersion', s.shape -> 0, 'failoverMode', s.shape -> 1, 'route', s.shape -> 2,
           'routeRule', s.shape -> 3, 'recordedRoute', s.shape -> 4, 'routeMismatch', s.shape -> 5,
           'counted', s.shape -> 6, 'ordinal', d.ordinal, 'allowance', s.shape -> 7, 'status', s.shape -> 8,
           'chargeKind', s.shape -> 9, 'chargeRule', s.shape -> 10,
           'costUsd', d.cost, 'feeUsd', d.fee, 'chargeUsd', d.charge, 'chargedUsd', d.charged
         )) AS TEXT) AS record
         FROM ${p}decision_rows AS d LEFT JOIN ${p}decision_shapes AS s ON s.id = d.shape;`,
    );
  } catch (error) {
    // A table of one of these names without a decisions table: not a meter store.
    throw new StoreError('STORE_FORMAT', `${path}: its tables are not a meter store's (${(error as Error).message})`, { cause: error });
  }
}
