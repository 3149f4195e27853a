import Database from 'better-sqlite3';
import pg from 'pg';

/*
 * The tables of meter stores made before counters kept a fee state (issue 16), written
 * here as those versions of byok wrote them, so tests can open such a store with today's
 * code: it must migrate it and go on, every existing counter's fee state 0.
 */

/** The SQLite compact layout's tables before the fee-state columns (sqliteSchema.ts of then). */
export function previousCompactSql(p = ''): string {
  return `CREATE TABLE ${p}decision_shapes (id INTEGER PRIMARY KEY, shape TEXT NOT NULL UNIQUE);
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
         counted INTEGER
       );
       CREATE TABLE ${p}counter_snapshot (key TEXT PRIMARY KEY, counted INTEGER NOT NULL) WITHOUT ROWID;
       CREATE TABLE ${p}counter_fold (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
       INSERT INTO ${p}counter_fold (id, seq) VALUES (1, 0);
       CREATE VIEW ${p}counters AS
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
         FROM ${p}decision_rows AS d LEFT JOIN ${p}decision_shapes AS s ON s.id = d.shape;`;
}

/** The SQLite store's first layout (JSON records), as it was before the fee-state columns. */
export const PREVIOUS_JSON_SQL = `CREATE TABLE counters (key TEXT PRIMARY KEY, counted INTEGER NOT NULL);
  CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);`;

export type PreviousSqliteLayout = 'compact' | 'json';

/** Makes a SQLite file holding an empty store of the previous schema, in `layout`. */
export function createPreviousSqliteStore(path: string, layout: PreviousSqliteLayout): void {
  const db = new Database(path);
  try {
    db.exec(layout === 'compact' ? previousCompactSql() : PREVIOUS_JSON_SQL);
  } finally {
    db.close();
  }
}

/** Makes a PostgreSQL store's tables as the previous schema made them (postgresSchema.ts of then). */
export async function createPreviousPostgresTables(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${prefix}counters (key TEXT PRIMARY KEY, counted BIGINT NOT NULL)`);
    await client.query(`CREATE TABLE ${prefix}decisions (seq BIGSERIAL PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL)`);
  } finally {
    await client.end();
  }
}
