/**
 * The engines of `byok bill`: `js`, the streaming default; `duckdb`, SQL over the whole
 * input in process; `clickhouse`, the same SQL on a ClickHouse server or sharded cluster.
 */
export const BILL_ENGINES = ['js', 'duckdb', 'clickhouse'] as const;
export type BillEngine = (typeof BILL_ENGINES)[number];
