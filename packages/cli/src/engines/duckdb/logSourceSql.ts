import { LOG_COLUMNS, type LogColumn, type LogHeader } from '../../io/logColumns.js';
import { duckdbString } from './duckdbText.js';

/*
 * Each log file as a subquery with the same columns: `file_index`, then one VARCHAR per
 * log column (LOG_COLUMNS' order and names; NULL for an empty cell or a column the
 * file lacks), then `reread`, then `typed_epoch_us` and `typed_cost`: a Parquet file's
 * instant and cost when its columns are typed so that they need no parsing (NULL
 * otherwise, and then their text is). It is read once, straight into `checked_rows`.
 */

/** The typed columns' place in a source without them. */
const UNTYPED = 'NULL::BIGINT AS typed_epoch_us, NULL::DECIMAL(38,12) AS typed_cost';

/** Table the CSV reader stores rows it cannot split into the header's fields in. */
export const READER_REJECTS = 'byok_reader_rejects';
const READER_SCANS = 'byok_reader_scans';

/** Positional names for a file's fields: c1, c2, ... (header names may repeat or be odd). */
const field = (i: number) => `c${i + 1}`;

export interface CsvSource {
  readonly fileIndex: number;
  readonly path: string;
  readonly gzipped: boolean;
  readonly header: LogHeader;
  /** Physical lines before the header (blank lines byok's reader skips). */
  readonly linesBeforeHeader: number;
}

/**
 * One CSV file's rows: every field as VARCHAR, nothing inferred (no sniffing, no type
 * detection), the dialect of FORMATS.md (comma, double quotes doubled inside quoted
 * fields, LF or CRLF). Rows with another number of fields than the header are set aside
 * in the reader's rejects table rather than stopping the scan. `reread` marks a row
 * with a quote or a carriage return in some field, where DuckDB's CSV dialect and
 * byok's could differ: its file is read again by byok's reader to check (reviewCsvFile).
 */
export function csvSourceSql(source: CsvSource): string {
  const { header } = source;
  const columns = Array.from({ length: header.width }, (_, i) => `${duckdbString(field(i))}: 'VARCHAR'`).join(', ');
  const known = LOG_COLUMNS.map((c) => `${header.index[c] === -1 ? 'NULL::VARCHAR' : field(header.index[c])} AS "${c}"`);
  // No coalesce on each field (a NULL field makes its test NULL, and the OR ignores it):
  // it would cost more than the whole test.
  const tests = Array.from({ length: header.width }, (_, i) => `contains(${field(i)}, '"') OR contains(${field(i)}, chr(13))`);
  const options = [
    'header = true',
    'auto_detect = false',
    `skip = ${source.linesBeforeHeader}`,
    `delim = ','`,
    `quote = '"'`,
    `escape = '"'`,
    `compression = '${source.gzipped ? 'gzip' : 'none'}'`,
    `columns = {${columns}}`,
    'store_rejects = true',
    `rejects_table = '${READER_REJECTS}'`,
    `rejects_scan = '${READER_SCANS}'`,
  ].join(', ');
  return `SELECT ${source.fileIndex} AS file_index, ${known.join(', ')}, coalesce(${tests.join(' OR ')}, false) AS reread, ${UNTYPED} FROM read_csv(${duckdbString(source.path)}, ${options})`;
}

/** The reader's rejects of the last CSV file read, by kind, then cleared for the next file. */
export const readerRejectsSql = `SELECT error_type, count(*)::BIGINT AS n FROM ${READER_REJECTS} GROUP BY error_type`;
export const dropReaderRejectsSql = `DROP TABLE IF EXISTS ${READER_REJECTS}; DROP TABLE IF EXISTS ${READER_SCANS}`;

/** The DuckDB reader's kinds of reject that byok's reader reports as a wrong number of fields. */
export const FIELD_COUNT_REJECTS: ReadonlySet<string> = new Set(['MISSING COLUMNS', 'TOO MANY COLUMNS']);

export interface ParquetSource {
  readonly fileIndex: number;
  readonly path: string;
  /** Per log column present in the file and not typed: the SQL expression giving its text (see parquetColumnText). */
  readonly text: Readonly<Partial<Record<LogColumn, string>>>;
  /** The instant in epoch microseconds, and the cost as DECIMAL(38,12), when typed so (see parquetColumns.ts). */
  readonly typedEpochUs: string | undefined;
  readonly typedCost: string | undefined;
}

/** One Parquet file's rows, each log column converted to text as `text` says, or typed. */
export function parquetSourceSql(source: ParquetSource): string {
  const known = LOG_COLUMNS.map((c) => `${source.text[c] ?? 'NULL::VARCHAR'} AS "${c}"`);
  const typed = `${source.typedEpochUs ?? 'NULL::BIGINT'} AS typed_epoch_us, ${source.typedCost ?? 'NULL::DECIMAL(38,12)'} AS typed_cost`;
  return `SELECT ${source.fileIndex} AS file_index, ${known.join(', ')}, false AS reread, ${typed} FROM read_parquet(${duckdbString(source.path)})`;
}
