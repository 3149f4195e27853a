import { LOG_COLUMNS } from '../../io/logColumns.js';
import { ACCEPTED_ROWS, REPEATED_ROWS } from './arrivalsSql.js';
import { CHECKED_ROWS } from './checkedRowsSql.js';
import { duckdbIdentifier } from './duckdbText.js';

/**
 * The rows SQL has something to say about, which byok's own reader reads again (see
 * reviewCsvFile): rows refused, rows repeating a request_id with other content, the
 * first rows of those ids, and requests before the policy's first version.
 */
export const PROBLEM_ROWS = 'problem_rows';

export type ProblemKind = 'refused' | 'conflict' | 'first_of_conflict' | 'before_policy';

export function createProblemRowsSql(): string {
  return `CREATE TABLE ${PROBLEM_ROWS} AS
SELECT rowid AS row_key, file_index, 'refused' AS kind, NULL::BIGINT AS first_key FROM ${CHECKED_ROWS} WHERE NOT valid
UNION ALL SELECT row_key, file_index, 'conflict', first_key FROM ${REPEATED_ROWS} WHERE outcome = 'conflict'
UNION ALL SELECT DISTINCT f.row_key, f.file_index, 'first_of_conflict', NULL::BIGINT
  FROM ${REPEATED_ROWS} c JOIN ${REPEATED_ROWS} f ON f.row_key = c.first_key WHERE c.outcome = 'conflict'
UNION ALL SELECT row_key, file_index, 'before_policy', NULL::BIGINT FROM ${ACCEPTED_ROWS} WHERE before_policy`;
}

/** The files with problem rows, or with rows DuckDB's CSV reader may have split otherwise. */
export const filesToReviewSql = `
SELECT DISTINCT file_index FROM ${PROBLEM_ROWS} UNION SELECT DISTINCT file_index FROM ${CHECKED_ROWS} WHERE reread`;

export function problemRowsOfFileSql(fileIndex: number): string {
  return `SELECT row_key, kind, first_key FROM ${PROBLEM_ROWS} WHERE file_index = ${fileIndex} ORDER BY row_key`;
}

/** The ordinals (positions in their file) of a file's problem rows. */
export function problemOrdinalsOfFileSql(fileIndex: number, firstRowKey: number): string {
  return `SELECT DISTINCT row_key - ${firstRowKey} AS ordinal FROM ${PROBLEM_ROWS} WHERE file_index = ${fileIndex}`;
}

/** The rows of a file DuckDB's reader may have split otherwise, with the log columns' values it read. */
export function rereadRowsOfFileSql(fileIndex: number): string {
  const values = LOG_COLUMNS.map((c) => `coalesce(${duckdbIdentifier(c)}, '') AS ${duckdbIdentifier(c)}`).join(', ');
  return `SELECT rowid AS row_key, ${values} FROM ${CHECKED_ROWS} WHERE file_index = ${fileIndex} AND reread`;
}

/** Requests before the policy's first version, for their rejections (in allowance order, by the caller). */
export const beforePolicyRowsSql = `SELECT row_key, epoch_ms, nanos, request_id FROM ${ACCEPTED_ROWS} WHERE before_policy`;
