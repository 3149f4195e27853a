import { ACCEPTED_ROWS, REPEATED_ROWS } from './arrivalsSql.js';
import { CHECKED_ROWS } from './checkedRowsSql.js';

/**
 * How the rows DuckDB kept were accounted for (the reader's field-count rejects are added
 * by the caller), and the largest cost among the requests billed: with their number, a
 * bound on every sum the bill query makes (refuseInexactSums). One scan of the requests.
 */
export const inputCountsSql = `SELECT
  (SELECT count(*) FROM ${CHECKED_ROWS})::BIGINT AS rows_read,
  (SELECT count(*) FROM ${CHECKED_ROWS} WHERE NOT valid)::BIGINT AS refused,
  (SELECT count(*) FROM ${REPEATED_ROWS} WHERE outcome = 'duplicate')::BIGINT AS duplicates,
  (SELECT count(*) FROM ${REPEATED_ROWS} WHERE outcome = 'conflict')::BIGINT AS conflicts,
  a.before_policy, a.accepted, a.max_cost
FROM (
  SELECT count(*) FILTER (WHERE before_policy)::BIGINT AS before_policy, count(*) FILTER (WHERE NOT before_policy)::BIGINT AS accepted,
    max(cost) FILTER (WHERE NOT before_policy) AS max_cost
  FROM ${ACCEPTED_ROWS}
) a`;

/** Valid rows whose amounts do not fit DECIMAL(38,12). */
export const tooLargeAmountsSql = `SELECT count(*)::BIGINT AS n, min(request_id) AS example FROM ${CHECKED_ROWS} WHERE amount_too_large`;
