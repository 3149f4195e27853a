import { KEY_RESULTS, MAX_MONEY_FRACTION_DIGITS, PLATFORM_RESULTS, ROUTES } from '@byok-billing/core';
import { duckdbIdentifier, duckdbStringList } from './duckdbText.js';
import { LOG_COLUMNS } from '../../io/logColumns.js';
import type { LocalOffsetStep } from './localTimeOffsets.js';
import { MAX_EPOCH_MS, MIN_EPOCH_MS, timestampFieldsSql, timestampNumbersSql, timestampPiecesSql, timestampShapeSql } from './timestampSql.js';

/*
 * rowToRequest (packages/cli/src/io/rowToRequest.ts) in DuckDB SQL.
 *
 * `checked_rows`: every row of every log, in input order (files are inserted one after
 * the other, and DuckDB preserves insertion order: a row's `rowid` is its position in
 * the whole input, what "the first row with this request_id" means, and `rowid - the
 * file's first rowid` its position in its file); its cells as read; whether
 * rowToRequest would accept it (`valid`); and, when it does, the request it makes:
 * the instant as epoch milliseconds plus nanoseconds (the JavaScript Instant), money
 * as DECIMAL(38,12).
 *
 * Text cells stay as read: NULL and '' both mean an empty cell (DuckDB's CSV reader
 * gives NULL, a Parquet file may hold either), so every check below reads a NULL as
 * rowToRequest reads ''. (Making them '' first, with coalesce, costs more than all the
 * checks together.) The row's number of fields was checked by the reader.
 */

export const CHECKED_ROWS = 'checked_rows';

/** A plain decimal as parseMoney reads it: digits, then at most 12 after a point. */
const PLAIN_DECIMAL = `[0-9]+(\\.[0-9]{1,${MAX_MONEY_FRACTION_DIGITS}})?`;
/** Exact money in DuckDB: 38 digits, 12 of them fractional (the log's limit). */
export const MONEY_TYPE = `DECIMAL(38,${MAX_MONEY_FRACTION_DIGITS})`;

export function createCheckedRowsSql(): string {
  const cells = LOG_COLUMNS.map((c) => `${duckdbIdentifier(c)} VARCHAR`).join(', ');
  return `CREATE TABLE ${CHECKED_ROWS} (file_index INTEGER, ${cells}, reread BOOLEAN, valid BOOLEAN,
  epoch_ms BIGINT, nanos INTEGER, cost ${MONEY_TYPE}, charged ${MONEY_TYPE}, amount_too_large BOOLEAN)`;
}

/** `source`'s rows with their timestamps taken apart (timestampSql.ts). */
function parsedSql(source: string): string {
  const ts = '"timestamp"';
  return `SELECT *, ${timestampFieldsSql()}
FROM (
  SELECT *, ${timestampPiecesSql(ts)}
  FROM (
    SELECT *, ${timestampNumbersSql(ts)}
    FROM (SELECT *, ${timestampShapeSql(ts)} FROM (${source}))
  )
)`;
}

/** The range of wall-clock times `source` writes without an offset (what localOffsetSteps must cover). */
export function localTimeRangeSql(source: string): string {
  return `SELECT min(ts_local_ms) AS lo, max(ts_local_ms) AS hi FROM (${parsedSql(source)}) WHERE ts_form = 'local' AND ts_fields_valid`;
}

/**
 * The offset `localMs` (a wall-clock time written as if UTC) resolves with, by
 * localOffsetSteps; NULL where the time does not exist (a DST gap). A balanced tree of
 * CASEs over the steps, a few per year of log, rather than a join: a join would not
 * keep the rows in input order, which `checked_rows` relies on.
 */
export function localOffsetSql(steps: readonly LocalOffsetStep[], localMs: string): string {
  if (steps.length === 0) return 'NULL::BIGINT';
  const offset = (i: number) => (steps[i]!.offsetMs === null ? 'NULL::BIGINT' : `${steps[i]!.offsetMs}::BIGINT`);
  const tree = (lo: number, hi: number): string => {
    if (lo === hi) return offset(lo);
    const mid = Math.ceil((lo + hi) / 2);
    return `CASE WHEN ${localMs} >= ${steps[mid]!.localFromMs} THEN ${tree(mid, hi)} ELSE ${tree(lo, mid - 1)} END`;
  };
  return `CASE WHEN ${localMs} >= ${steps[0]!.localFromMs} THEN ${tree(0, steps.length - 1)} END`;
}

/**
 * Appends `source`'s rows (logSourceSql.ts) to `checked_rows`. With an input time zone,
 * wall-clock timestamps are resolved by its steps (localOffsetSql); without one they are
 * refused, as POLICY.md D7 says.
 */
export function insertCheckedRowsSql(source: string, localSteps: readonly LocalOffsetStep[] | undefined): string {
  const from = `(SELECT *, ${localSteps === undefined ? 'NULL::BIGINT' : `CASE WHEN ts_form = 'local' THEN ${localOffsetSql(localSteps, 'ts_local_ms')} END`} AS local_offset_ms FROM (${parsedSql(source)})) p`;
  const localOffset = 'p.local_offset_ms';
  // A typed instant (Parquet TIMESTAMPTZ) in epoch microseconds: milliseconds rounded down
  // (`//` truncates toward zero), the rest as nanoseconds.
  const typedMs = `(p.typed_epoch_us // 1000 - CASE WHEN p.typed_epoch_us % 1000 < 0 THEN 1 ELSE 0 END)`;
  const epochMs = `CASE WHEN p.typed_epoch_us IS NOT NULL THEN ${typedMs} ELSE CASE p.ts_form WHEN 'epoch' THEN p.ts_epoch_ms WHEN 'offset' THEN p.ts_local_ms - p.ts_offset_ms + p.ts_ms_part WHEN 'local' THEN p.ts_local_ms - ${localOffset} + p.ts_ms_part END END`;
  const nanos = `CASE WHEN p.typed_epoch_us IS NOT NULL THEN ((p.typed_epoch_us - ${typedMs} * 1000) * 1000)::INTEGER WHEN p.ts_form = 'epoch' THEN 0 ELSE p.ts_nanos END`;
  // parseTimestamp reads ISO years 0000–9999 only, which is what the epoch range is.
  const timestampValid = `CASE WHEN p.typed_epoch_us IS NOT NULL THEN ${typedMs} BETWEEN ${MIN_EPOCH_MS} AND ${MAX_EPOCH_MS} ELSE (p.ts_fields_valid AND (p.ts_form <> 'local' OR ${localOffset} IS NOT NULL) AND (${epochMs}) BETWEEN ${MIN_EPOCH_MS} AND ${MAX_EPOCH_MS}) END`;
  const empty = (column: string) => `(p.${column} IS NULL OR p.${column} = '')`;
  const inVocabulary = (column: string, values: readonly string[]) => `(${empty(column)} OR p.${column} IN ${duckdbStringList(values)})`;
  const valid = [
    `p.request_id <> ''`,
    `p.user_id <> ''`,
    timestampValid,
    `CASE WHEN p.typed_cost IS NOT NULL THEN p.typed_cost >= 0 ELSE regexp_full_match(p.cost_usd, '${PLAIN_DECIMAL}') END`,
    inVocabulary('key_result', KEY_RESULTS),
    inVocabulary('platform_result', PLATFORM_RESULTS),
    inVocabulary('route', ROUTES),
    `(p.key_result <> '' OR p.route <> '')`,
    `(${empty('charged_usd')} OR regexp_full_match(p.charged_usd, '${PLAIN_DECIMAL}'))`,
  ].join(' AND ');
  // The cells are kept for the rows byok's reader checks again (reread); the timestamp's
  // and the amounts' text is otherwise never read again, and not storing it is cheaper.
  const kept = new Set(['timestamp', 'cost_usd', 'charged_usd']);
  const cells = LOG_COLUMNS.map((c) => (kept.has(c) ? `CASE WHEN p.reread THEN p.${duckdbIdentifier(c)} END AS ${duckdbIdentifier(c)}` : `p.${duckdbIdentifier(c)}`)).join(', ');
  // Most costs fit DECIMAL(18,12), whose cast is three times cheaper than DECIMAL(38,12)'s.
  const money = (text: string) => `coalesce(TRY_CAST(${text} AS DECIMAL(18,${MAX_MONEY_FRACTION_DIGITS}))::${MONEY_TYPE}, TRY_CAST(${text} AS ${MONEY_TYPE}))`;
  return `INSERT INTO ${CHECKED_ROWS}
SELECT file_index, ${LOG_COLUMNS.map(duckdbIdentifier).join(', ')}, reread, valid, epoch_ms, nanos, cost, charged,
  valid AND (cost IS NULL OR (charged_text <> '' AND charged IS NULL)) AS amount_too_large
FROM (
  SELECT p.file_index, ${cells}, p.charged_usd AS charged_text, p.reread, coalesce(${valid}, false) AS valid,
    ${epochMs} AS epoch_ms,
    ${nanos} AS nanos,
    CASE WHEN p.typed_cost IS NOT NULL THEN p.typed_cost ELSE ${money('p.cost_usd')} END AS cost,
    ${money('p.charged_usd')} AS charged
  FROM ${from}
)`;
}
