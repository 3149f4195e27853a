/**
 * The SQL engines `compileBillSql` writes for. `duckdb`, `postgres` and `clickhouse` are
 * tested against real engines (ClickHouse from 18.16 on: no window functions, no CTEs, so
 * its query is built apart, `clickhouse/clickhouseBillQuery.ts`); `ansi` is standard SQL
 * without engine-specific functions (no COLLATE, no `error()`, no `to_char`/`strftime`), a
 * starting point for Trino, Spark or BigQuery (docs/sql.md lists what each of those needs).
 */
export const SQL_DIALECTS = ['duckdb', 'postgres', 'ansi', 'clickhouse'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

export function isSqlDialect(text: string): text is SqlDialect {
  return (SQL_DIALECTS as readonly string[]).includes(text);
}
