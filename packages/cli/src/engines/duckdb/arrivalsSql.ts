import { CHECKED_ROWS } from './checkedRowsSql.js';

/*
 * POLICY.md D6 in SQL, as the default engine applies it: the earliest valid row with a
 * request_id (by instant; at one instant, the first in input order) is the request;
 * a later valid row with the same id is a duplicate when its content is the same as
 * that first row's (sameContent in packages/core/src/ledger/usageRequest.ts, on the
 * parsed values: 0.0120 and 0.012 are the same cost, an absent platform_result is
 * `ok`), and is refused as a conflict otherwise. Invalid rows never take part.
 */

/** Rows whose request_id appears more than once among valid rows, with their outcome. */
export const REPEATED_ROWS = 'repeated_rows';
/** The first row of every request_id: the requests, before the policy's first version or not. */
export const ACCEPTED_ROWS = 'accepted_rows';
/** The relation compileBillSql reads (packages/core/src/sql/requestsRelation.ts). */
export const REQUESTS = 'requests';

export function createRepeatedRowsSql(): string {
  // '' and NULL are both an empty cell (see checkedRowsSql.ts).
  const sameText = (column: string) => `NULLIF(r.${column}, '') IS NOT DISTINCT FROM NULLIF(f.${column}, '')`;
  const same = [
    'r.epoch_ms = f.epoch_ms',
    'r.nanos = f.nanos',
    'r.user_id = f.user_id',
    sameText('org_id'),
    sameText('model'),
    sameText('provider'),
    'r.cost = f.cost',
    sameText('key_result'),
    "coalesce(NULLIF(r.platform_result, ''), 'ok') = coalesce(NULLIF(f.platform_result, ''), 'ok')",
    sameText('route'),
    'r.charged IS NOT DISTINCT FROM f.charged',
  ].join(' AND ');
  return `CREATE TABLE ${REPEATED_ROWS} AS
WITH repeated AS (
  SELECT request_id FROM ${CHECKED_ROWS} WHERE valid GROUP BY request_id HAVING count(*) > 1
), candidates AS (
  SELECT c.rowid AS row_key, c.* FROM ${CHECKED_ROWS} c SEMI JOIN repeated USING (request_id) WHERE c.valid
), firsts AS (
  SELECT * FROM candidates QUALIFY row_number() OVER (PARTITION BY request_id ORDER BY epoch_ms, nanos, row_key) = 1
)
SELECT r.row_key, r.file_index, f.row_key AS first_key,
  CASE WHEN r.row_key = f.row_key THEN 'first' WHEN ${same} THEN 'duplicate' ELSE 'conflict' END AS outcome
FROM candidates r JOIN firsts f USING (request_id)`;
}

/**
 * The requests, each marked when it falls before the policy's first version (the
 * default engine refuses those when it decides them, after duplicates are counted).
 * A view: the few queries that read it cost less than writing it.
 */
export function createAcceptedRowsSql(firstVersionFromMs: number | null): string {
  const beforePolicy = firstVersionFromMs === null ? 'false' : `c.epoch_ms < ${firstVersionFromMs}`;
  return `CREATE VIEW ${ACCEPTED_ROWS} AS
SELECT c.row_key, c.file_index, c.request_id, c.user_id, c.org_id, c.model, c.provider, c.key_result, c.platform_result, c.route, c.epoch_ms, c.nanos, c.cost,
  ${beforePolicy} AS before_policy
FROM (SELECT rowid AS row_key, * FROM ${CHECKED_ROWS} WHERE valid) c
ANTI JOIN (SELECT row_key FROM ${REPEATED_ROWS} WHERE outcome <> 'first') r USING (row_key)`;
}

/** The column of `requests` with each instant's nanoseconds past its microsecond (compileBillQuery's `nanosecondColumn`). */
export const REQUEST_NANOSECONDS = 'timestamp_nanos';

/**
 * The `requests` relation of the SQL bill. DuckDB's TIMESTAMPTZ keeps microseconds, so
 * the instant (epoch_ms and nanos past the millisecond, both rounded down: never past
 * the next microsecond) is cut there, and the three digits below go to
 * REQUEST_NANOSECONDS: the bill query orders by both, so requests are decided in the
 * default engine's order to the nanosecond (POLICY.md D1). The period comes from the
 * cut instant, which is in the same month: months start on a whole second.
 */
export function createRequestsViewSql(): string {
  return `CREATE VIEW ${REQUESTS} AS
SELECT request_id, make_timestamptz(epoch_ms * 1000 + nanos // 1000) AS "timestamp", (nanos % 1000)::SMALLINT AS ${REQUEST_NANOSECONDS},
  user_id, org_id, model, provider, cost AS cost_usd, key_result, platform_result, route
FROM ${ACCEPTED_ROWS} WHERE NOT before_policy`;
}
