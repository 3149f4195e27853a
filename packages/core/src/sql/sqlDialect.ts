/**
 * The SQL engines `compileBillSql` writes for. `duckdb` and `postgres` are tested against
 * real engines; `ansi` is standard SQL without engine-specific functions (no COLLATE, no
 * `error()`, no `to_char`/`strftime`), a starting point for Trino, Spark, BigQuery or
 * ClickHouse (docs/sql.md lists what each of those needs).
 */
export const SQL_DIALECTS = ['duckdb', 'postgres', 'ansi'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

export function isSqlDialect(text: string): text is SqlDialect {
  return (SQL_DIALECTS as readonly string[]).includes(text);
}
