import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { BILL_SQL_COLUMNS, BILL_SQL_MONEY_COLUMNS, type Bill, billToJson } from '@byok-billing/core';

/*
 * The SQL engines the compiled bill is run on in tests: DuckDB in process, and the
 * PostgreSQL server of BYOK_TEST_POSTGRES_URL (like packages/stores' tests: skipped
 * locally without it, failed under CI). Both load a log with one bulk operation into a
 * fresh `requests` table per case.
 */

/** One row of the `requests` relation, as text (NULL = undefined); the engine casts it. */
export interface RelationRow {
  readonly request_id: string;
  /** An instant with offset the engines parse: `YYYY-MM-DD HH:MM:SS[.ffffff]±HH:MM`. */
  readonly timestamp: string;
  readonly user_id: string;
  readonly org_id: string | undefined;
  readonly cost_usd: string;
  readonly key_result: string | undefined;
  readonly platform_result: string | undefined;
  readonly route: string | undefined;
  /**
   * The nanoseconds past `timestamp`'s microsecond (0–999, as text), for a relation
   * loaded with NANOSECOND_COLUMN (compileBillSql's `nanosecondColumn`).
   */
  readonly timestamp_nanos?: string;
}

export const RELATION_COLUMNS = ['request_id', 'timestamp', 'user_id', 'org_id', 'cost_usd', 'key_result', 'platform_result', 'route'] as const;

/** The integer column with the nanoseconds past each timestamp's microsecond, when a relation has one. */
export const NANOSECOND_COLUMN = 'timestamp_nanos';

/** A bill line as the SQL returns it and as the comparison reads it: counts as numbers, money as text. */
export type SqlBillLine = Record<(typeof BILL_SQL_COLUMNS)[number], string | number>;

/** The JS bill's lines in the SQL's shape (snake_case, money as canonical text). */
export function billLinesAsSql(bill: Bill): SqlBillLine[] {
  return billToJson(bill).lines.map((line) => ({
    scope: line.scope,
    period: line.period,
    byok_requests: line.byokRequests,
    free_requests: line.freeRequests,
    billable_requests: line.billableRequests,
    byok_cost_usd: line.byokCostUsd,
    fee_usd: line.feeUsd,
    platform_requests: line.platformRequests,
    platform_cost_usd: line.platformCostUsd,
    failed_requests: line.failedRequests,
    total_usd: line.totalUsd,
  }));
}

/** Engine rows to bill lines: counts to numbers, money kept as the text the engine gave. */
export function normaliseSqlRows(rows: readonly Record<string, unknown>[]): SqlBillLine[] {
  return rows.map((row) => {
    const line: Record<string, string | number> = {};
    for (const name of BILL_SQL_COLUMNS) {
      const value = row[name];
      if (name === 'scope' || name === 'period' || BILL_SQL_MONEY_COLUMNS.has(name)) line[name] = String(value);
      else line[name] = Number(value);
    }
    return line as SqlBillLine;
  });
}

/** An in-process DuckDB with a `requests` table loaded per case. */
export class DuckDbEngine {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // A session zone far from UTC: the bill must not depend on it.
    await connection.run("SET TimeZone = 'Pacific/Kiritimati'");
    return new DuckDbEngine(instance, connection);
  }

  /** Replaces `requests` with these rows: appended as text to a staging table, then cast once. */
  async load(rows: readonly RelationRow[], columns: readonly string[] = RELATION_COLUMNS): Promise<void> {
    const c = this.connection;
    await c.run(`CREATE OR REPLACE TABLE requests_text (${columns.map((n) => `"${n}" VARCHAR`).join(', ')})`);
    const appender = await c.createAppender('requests_text');
    for (const row of rows) {
      for (const name of columns) {
        const value = (row as unknown as Record<string, string | undefined>)[name];
        if (value === undefined) appender.appendNull();
        else appender.appendVarchar(value);
      }
      appender.endRow();
    }
    appender.closeSync();
    const casts = columns.map((n) =>
      n === 'timestamp'
        ? `CAST("timestamp" AS TIMESTAMPTZ) AS "timestamp"`
        : n === 'cost_usd'
          ? 'CAST(cost_usd AS DECIMAL(38,12)) AS cost_usd'
          : n === NANOSECOND_COLUMN
            ? `CAST("${n}" AS SMALLINT) AS "${n}"`
            : `"${n}"`,
    );
    await c.run(`CREATE OR REPLACE TABLE requests AS SELECT ${casts.join(', ')} FROM requests_text`);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /**
   * Runs a query with DuckDB's default collation set to case-insensitive: a query that
   * compares text without its own COLLATE would group `org:A` with `org:a` and sort `b`
   * before `B`.
   */
  async queryUnderNocase(sql: string): Promise<Record<string, unknown>[]> {
    await this.connection.run("SET default_collation = 'nocase'");
    try {
      return await this.query(sql);
    } finally {
      await this.connection.run('RESET default_collation');
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** The PostgreSQL server of the tests, and `describe` that skips (locally) or fails (CI) without it: one helper for every package. */
import { POSTGRES_URL } from '../../packages/stores/test/support/postgresTarget.js';
export { POSTGRES_URL, describePostgres } from '../../packages/stores/test/support/postgresTarget.js';

/** One PostgreSQL session with a temporary `requests` table loaded per case. */
export class PostgresEngine {
  private constructor(readonly client: pg.Client) {}

  static async open(url: string): Promise<PostgresEngine> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // A session zone far from UTC: the bill must not depend on it.
    await client.query("SET TIME ZONE 'Pacific/Kiritimati'");
    return new PostgresEngine(client);
  }

  /**
   * Replaces the session's temporary `requests` with these rows in one INSERT … SELECT
   * unnest(…). Text columns get ICU's root collation (`b` before `B`, `-` nearly ignored):
   * a query that relied on the column's collation instead of its own COLLATE "C" would
   * order ties differently.
   */
  async load(rows: readonly RelationRow[], columns: readonly string[] = RELATION_COLUMNS): Promise<void> {
    const types: Record<string, string> = { timestamp: 'timestamptz', cost_usd: 'numeric(38,12)', [NANOSECOND_COLUMN]: 'smallint' };
    await this.client.query('DROP TABLE IF EXISTS pg_temp.requests');
    await this.client.query(`CREATE TEMP TABLE requests (${columns.map((n) => `"${n}" ${types[n] ?? 'text COLLATE "und-x-icu"'}`).join(', ')})`);
    const arrays = columns.map((n) => rows.map((row) => (row as unknown as Record<string, string | undefined>)[n] ?? null));
    const arrayTypes: Record<string, string> = { timestamp: 'timestamptz', cost_usd: 'numeric', [NANOSECOND_COLUMN]: 'smallint' };
    const unnest = columns.map((n, i) => `$${i + 1}::${arrayTypes[n] ?? 'text'}[]`);
    await this.client.query(`INSERT INTO requests SELECT * FROM unnest(${unnest.join(', ')})`, arrays);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const result = await this.client.query(sql);
    // A script is one statement; pg returns an array only for several.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return last.rows as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/**
 * Opens DuckDB (and PostgreSQL, with BYOK_TEST_POSTGRES_URL) before a test file's tests and
 * closes them after; the getters are valid inside tests.
 */
export function useSqlEngines(): { readonly duck: DuckDbEngine; readonly postgres: PostgresEngine | undefined } {
  let duck: DuckDbEngine | undefined;
  let postgres: PostgresEngine | undefined;
  beforeAll(async () => {
    duck = await DuckDbEngine.open();
    if (POSTGRES_URL) postgres = await PostgresEngine.open(POSTGRES_URL);
  });
  afterAll(async () => {
    duck?.close();
    await postgres?.close();
  });
  return {
    get duck() {
      return duck!;
    },
    get postgres() {
      return postgres;
    },
  };
}
