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
  /** `--max-line-bytes`: byok's reader refuses a longer record. */
  readonly maxLineBytes: number;
}

/**
 * The longest line DuckDB's reader takes. It counts lines otherwise than byok (its line
 * end included, and not always the same way near its limit), so it is never the limit
 * that refuses a row: it is well above every record byok takes, as written or as byok's
 * rewriting writes it (each field quoted: at most 3 × the record, for a record of empty
 * fields), and rows past --max-line-bytes are found by mayBeTooLongSql instead. DuckDB
 * cannot allocate for more than 1 GiB; a record past that is refused by DuckDB's reader
 * and the file is rewritten (and refused if even its rewriting holds such a record).
 */
function duckdbMaxLineSize(maxLineBytes: number): number {
  return Math.min(3 * maxLineBytes + 64, DUCKDB_LARGEST_LINE_SIZE);
}

const DUCKDB_LARGEST_LINE_SIZE = 1 << 30;

/**
 * DuckDB's read buffer: by default 16 × max_line_size, which a larger max_line_size would
 * grow past what a small --duckdb-memory-limit holds. It stays DuckDB's usual 32 MiB, or
 * max_line_size when that is larger (the least DuckDB takes).
 */
function duckdbBufferSize(maxLineSize: number): number {
  return Math.max(DUCKDB_USUAL_BUFFER_SIZE, maxLineSize);
}

const DUCKDB_USUAL_BUFFER_SIZE = 32 << 20;

/**
 * Whether a row may be longer than --max-line-bytes as byok counts it (its bytes as
 * written, without its line end): DuckDB gives the values, not the text. In a row with no
 * quote and no CR in any value (else it is reread anyway), the text is the values, the
 * commas between them and at most two quotes around each: so a row whose values and
 * commas and two quotes per field exceed the limit may be refused by byok, and is reread
 * (reviewCsvFile), where byok's reader says whether it is.
 */
function mayBeTooLongSql(width: number, maxLineBytes: number): string {
  // An empty value is NULL: counted as 0, where a NULL would make the whole sum NULL.
  const lengths = Array.from({ length: width }, (_, i) => `coalesce(strlen(${field(i)}), 0)`).join(' + ');
  return `${lengths} + ${width - 1 + 2 * width} > ${maxLineBytes}`;
}

/**
 * One CSV file's rows: every field as VARCHAR, nothing inferred (no sniffing, no type
 * detection), the dialect of FORMATS.md (comma, double quotes doubled inside quoted
 * fields, LF or CRLF). Rows with another number of fields than the header are set aside
 * in the reader's rejects table rather than stopping the scan. `reread` marks a row
 * with a quote or a carriage return in some field, where DuckDB's CSV dialect and
 * byok's could differ, or that may be longer than --max-line-bytes: its file is read
 * again by byok's reader to check (reviewCsvFile).
 */
export function csvSourceSql(source: CsvSource): string {
  const { header } = source;
  const columns = Array.from({ length: header.width }, (_, i) => `${duckdbString(field(i))}: 'VARCHAR'`).join(', ');
  const known = LOG_COLUMNS.map((c) => `${header.index[c] === -1 ? 'NULL::VARCHAR' : field(header.index[c])} AS "${c}"`);
  // No coalesce on each field (a NULL field makes its test NULL, and the OR ignores it):
  // it would cost more than the whole test.
  const tests = Array.from({ length: header.width }, (_, i) => `contains(${field(i)}, '"') OR contains(${field(i)}, chr(13))`);
  tests.push(mayBeTooLongSql(header.width, source.maxLineBytes));
  const maxLineSize = duckdbMaxLineSize(source.maxLineBytes);
  const options = [
    'header = true',
    'auto_detect = false',
    `skip = ${source.linesBeforeHeader}`,
    `delim = ','`,
    `quote = '"'`,
    `escape = '"'`,
    `compression = '${source.gzipped ? 'gzip' : 'none'}'`,
    `max_line_size = ${maxLineSize}`,
    `buffer_size = ${duckdbBufferSize(maxLineSize)}`,
    `columns = {${columns}}`,
    'store_rejects = true',
    `rejects_table = '${READER_REJECTS}'`,
    `rejects_scan = '${READER_SCANS}'`,
  ].join(', ');
  return `SELECT ${source.fileIndex} AS file_index, ${known.join(', ')}, coalesce(${tests.join(' OR ')}, false) AS reread, ${UNTYPED} FROM read_csv(${duckdbString(source.path)}, ${options})`;
}

/**
 * The reader's rejects of the last CSV file read, in rows: those set aside only for their
 * number of fields (`field_count`; byok's reader refuses them for it too), and those for
 * anything else (`other`: invalid UTF-8, a line past max_line_size). DuckDB writes one
 * reject per missing or extra field, and one per other error, so a row is counted once,
 * by the byte its line starts at.
 */
export const readerRejectsSql = `SELECT count(*) FILTER (WHERE field_count_only)::BIGINT AS field_count, count(*) FILTER (WHERE NOT field_count_only)::BIGINT AS other
FROM (SELECT bool_and(error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')) AS field_count_only FROM ${READER_REJECTS} GROUP BY scan_id, file_id, line_byte_position)`;
export const dropReaderRejectsSql = `DROP TABLE IF EXISTS ${READER_REJECTS}; DROP TABLE IF EXISTS ${READER_SCANS}`;

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
