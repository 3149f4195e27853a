import { ACCEPTED_ROWS, REPEATED_ROWS } from './arrivalsSql.js';
import { CHECKED_ROWS } from './checkedRowsSql.js';

/** How the rows DuckDB kept were accounted for (the reader's field-count rejects are added by the caller). */
export const inputCountsSql = `SELECT
  (SELECT count(*) FROM ${CHECKED_ROWS})::BIGINT AS rows_read,
  (SELECT count(*) FROM ${CHECKED_ROWS} WHERE NOT valid)::BIGINT AS refused,
  (SELECT count(*) FROM ${REPEATED_ROWS} WHERE outcome = 'duplicate')::BIGINT AS duplicates,
  (SELECT count(*) FROM ${REPEATED_ROWS} WHERE outcome = 'conflict')::BIGINT AS conflicts,
  (SELECT count(*) FROM ${ACCEPTED_ROWS} WHERE before_policy)::BIGINT AS before_policy,
  (SELECT count(*) FROM ${ACCEPTED_ROWS} WHERE NOT before_policy)::BIGINT AS accepted`;

/** Valid rows whose amounts do not fit DECIMAL(38,12). */
export const tooLargeAmountsSql = `SELECT count(*)::BIGINT AS n, min(request_id) AS example FROM ${CHECKED_ROWS} WHERE amount_too_large`;
