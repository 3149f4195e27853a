import type { SqlDialect } from './sqlDialect.js';

/*
 * THE CONTRACT OF THE SQL BILL (`compileBillSql`): what the relation it reads must hold,
 * and what the query it writes returns. docs/sql.md says the same for people.
 *
 * INPUT: a relation (table or view) named `requests` (the `relation` option renames it)
 * with the request log's columns (FORMATS.md), one row per log row:
 *
 *   column           type (duckdb / postgres / ansi)                       null?  meaning
 *   request_id       VARCHAR / text / VARCHAR                                no     the log's request_id
 *   timestamp        TIMESTAMPTZ / timestamptz / TIMESTAMP WITH TIME ZONE    no     the request's instant
 *   user_id          VARCHAR / text / VARCHAR                                no
 *   org_id           VARCHAR                                                 yes    NULL or '' = an individual
 *   cost_usd         DECIMAL(38,12) / numeric(38,12) / DECIMAL(38,12)        no     list cost, >= 0
 *   key_result       VARCHAR                                                 yes    ok|rate_limited|error|none; NULL or '' = absent
 *   platform_result  VARCHAR                                                 yes    ok|error; NULL or '' = ok
 *   route            VARCHAR                                                 yes    byok|platform|failed; NULL or '' = absent
 *
 * - The four nullable columns may also be missing from the relation: list them in the
 *   `absentColumns` option and the query reads them as NULL. Other columns (model,
 *   provider, charged_usd, anything else) are ignored.
 * - `timestamp` is an instant (TIMESTAMP WITH TIME ZONE). A value the log wrote with an
 *   offset (`2025-10-31T19:00:00-05:00`) must be loaded as that instant; the session time
 *   zone never matters (periods are computed in the policy's reset zone, explicitly).
 *   Epoch milliseconds must be converted by the loader (DuckDB: `make_timestamptz(ms * 1000)`,
 *   PostgreSQL: `to_timestamp(ms / 1000.0)`).
 * - PRECISION: DuckDB's and PostgreSQL's TIMESTAMPTZ keep MICROSECONDS; the JavaScript
 *   engine keeps nanoseconds. By default two requests of one scope and month that differ
 *   below a microsecond are a tie in SQL (ordered by request_id) but ordered by time in
 *   JavaScript, and may take the allowance's last free place in another order; two rows
 *   with one request_id that differ only below a microsecond are a duplicate in SQL, a
 *   conflict in JavaScript. The bills are identical whenever the log's timestamps have at
 *   most 6 fractional digits. Engines also differ when loading a 7th digit: DuckDB
 *   truncates, PostgreSQL rounds.
 * - NANOSECONDS (the `nanosecondColumn` option): an integer column, NOT NULL, 0–999, with
 *   the nanoseconds past the microsecond; `timestamp` then holds the instant CUT (not
 *   rounded) to the microsecond. The order is timestamp, that column, request_id, and
 *   duplicates compare it: the bills are identical for up to 9 fractional digits.
 * - `cost_usd` is exact: a DECIMAL with scale 12 (FORMATS.md allows 12 fractional digits).
 *   Never a floating-point type.
 * - Rows are checked: a missing request_id, timestamp, user_id or cost_usd, a negative
 *   cost, a key_result/platform_result/route outside its values, a row with neither
 *   key_result nor route, an instant before the policy's first version, and one
 *   request_id with different content (after the normalisations above) make the query
 *   FAIL with an error whose text starts `byok:` (DuckDB: `error()`; PostgreSQL and ansi:
 *   a failing cast to INTEGER, "invalid input syntax for type integer: "byok: ...""). A
 *   request_id repeated with the same content counts once (POLICY.md D6); content is the
 *   eight columns above, so a repeat differing only in model/provider/charged_usd is a
 *   duplicate here but a conflict in `byok bill`.
 * - ORDER: the allowance is consumed in the order of `timestamp`, then `request_id` in
 *   byte order (UTF-8 = code point order, POLICY.md D1): `COLLATE "C"` on PostgreSQL,
 *   `COLLATE "binary"` on DuckDB, applied to every text column as the query reads it, so
 *   neither a column's collation nor DuckDB's `default_collation` changes the grouping,
 *   the ties or the sort. The ansi dialect writes no COLLATE: the engine's string
 *   comparison must be binary and case-sensitive (see docs/sql.md).
 *
 * OUTPUT: one row per bill line, the columns of `byok bill --format csv` (FORMATS.md), in
 * its order: scope, period, then by scope and period in byte order, like the JS bill.
 * Counts are BIGINT. Money columns are, with `money: 'text'` (the default), canonical
 * decimal strings exactly as `byok bill` prints them (no exponent, no trailing fractional
 * zeros, `0` for zero), so they compare digit for digit; with `money: 'decimal'` they are
 * exact DECIMALs (cost columns scale 12, fee and total scale 12 + the largest fee-rate
 * scale of the policy), and a consumer comparing them with `byok bill` normalises each
 * value's text by removing trailing fractional zeros and then a trailing `.`.
 */

/** Log columns the relation may lack (see `absentColumns`); the query reads them as NULL. */
export const OPTIONAL_REQUEST_COLUMNS = ['org_id', 'model', 'provider', 'key_result', 'platform_result', 'route'] as const;
export type OptionalRequestColumn = (typeof OPTIONAL_REQUEST_COLUMNS)[number];

/** One column of the `requests` relation. */
export interface RequestsRelationColumn {
  readonly name: string;
  /** The column's type per dialect (what a loader creates the table with). */
  readonly type: Readonly<Record<SqlDialect, string>>;
  /** Whether NULL is allowed (and whether the column may be absent altogether). */
  readonly nullable: boolean;
}

// ClickHouse: '' stands for absent, so text columns need not be Nullable (they may be).
const text = { duckdb: 'VARCHAR', postgres: 'text', ansi: 'VARCHAR', clickhouse: 'String' } as const;

/** The relation's columns, in FORMATS.md's order; a loader can create its table from this list. */
export const REQUESTS_RELATION_COLUMNS: readonly RequestsRelationColumn[] = [
  { name: 'request_id', type: text, nullable: false },
  { name: 'timestamp', type: { duckdb: 'TIMESTAMPTZ', postgres: 'timestamptz', ansi: 'TIMESTAMP WITH TIME ZONE', clickhouse: 'Int64' }, nullable: false },
  { name: 'user_id', type: text, nullable: false },
  { name: 'org_id', type: text, nullable: true },
  // Read only by a policy whose fee schedules are chosen by model or provider ('' when absent).
  { name: 'model', type: text, nullable: true },
  { name: 'provider', type: text, nullable: true },
  { name: 'cost_usd', type: { duckdb: 'DECIMAL(38,12)', postgres: 'numeric(38,12)', ansi: 'DECIMAL(38,12)', clickhouse: 'Decimal(38, 12)' }, nullable: false },
  { name: 'key_result', type: text, nullable: true },
  { name: 'platform_result', type: text, nullable: true },
  { name: 'route', type: text, nullable: true },
];

/**
 * ClickHouse's relation also carries the row's scope (under the policy), the key by which a
 * sharded table is split: the query does not read it (it places every row itself), the
 * loader writes it, and each shard bills the scopes it holds.
 */
export const CLICKHOUSE_SCOPE_COLUMN: RequestsRelationColumn = { name: 'scope', type: { duckdb: 'VARCHAR', postgres: 'text', ansi: 'VARCHAR', clickhouse: 'String' }, nullable: false };

/** The default name of the relation the query reads. */
export const REQUESTS_RELATION = 'requests';

/** The query's columns, in order: `byok bill --format csv`'s header. */
export const BILL_SQL_COLUMNS = [
  'scope',
  'period',
  'byok_requests',
  'free_requests',
  'billable_requests',
  'byok_cost_usd',
  'fee_usd',
  'platform_requests',
  'platform_cost_usd',
  'failed_requests',
  'total_usd',
] as const;

/** The money columns among them (text or DECIMAL, see `money`). */
export const BILL_SQL_MONEY_COLUMNS: ReadonlySet<string> = new Set(['byok_cost_usd', 'fee_usd', 'platform_cost_usd', 'total_usd']);

/**
 * How money columns come out: `text`, canonical decimals identical to `byok bill`'s; or
 * `decimal`, exact DECIMALs (normalise as said above before comparing text).
 */
export type SqlMoneyOutput = 'text' | 'decimal';
