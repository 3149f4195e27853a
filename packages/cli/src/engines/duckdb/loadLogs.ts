import type { DuckDBConnection } from '@duckdb/node-api';
import { csvRecordBatches } from '../../io/csvRecords.js';
import { InputError } from '../../io/inputError.js';
import { LOG_COLUMNS, type LogColumn, type LogHeader, readLogHeader } from '../../io/logColumns.js';
import { readFailure } from '../../io/readFailure.js';
import { CHECKED_ROWS, createCheckedRowsSql, insertCheckedRowsSql, localTimeRangeSql } from './checkedRowsSql.js';
import { DuckdbRefusal, duckdbFailure } from './duckdbEngineErrors.js';
import { duckdbString } from './duckdbText.js';
import { type LocalOffsetStep, localOffsetSteps } from './localTimeOffsets.js';
import type { LogInput } from './logInputs.js';
import { csvSourceSql, dropReaderRejectsSql, parquetSourceSql, readerRejectsSql } from './logSourceSql.js';
import { CsvNeedsRewriting } from './normalizeCsv.js';
import { parquetColumnText, parquetTypedValue } from './parquetColumns.js';
import { readCsvHeader } from './readCsvHeader.js';

/** One input as loaded into `checked_rows`. */
export interface LoadedFile {
  readonly input: LogInput;
  /** Undefined for an empty CSV file (no header, no rows). */
  readonly header: LogHeader | undefined;
  /** The warning about its unknown columns, given when the run reaches the file (as the default engine does). */
  readonly warning: string | undefined;
  /** Whether DuckDB read byok's rewriting of the file (normalizeCsv) instead of the file. */
  readonly rewritten: boolean;
  /** The rowid of its first row in `checked_rows`: a row's ordinal in its file is `rowid - firstRowKey`. */
  readonly firstRowKey: number;
  readonly rowCount: number;
  /** Rows DuckDB's CSV reader set aside for a wrong number of fields. */
  readonly fieldCountRejects: number;
  /** Parquet: each column's name and DuckDB type, in file order. */
  readonly parquetColumns: readonly ParquetColumn[] | undefined;
}

export interface ParquetColumn {
  readonly name: string;
  readonly type: string;
}

export interface LoadedLogs {
  readonly files: readonly LoadedFile[];
  /**
   * An input error that stops the run at a file (a header without the required columns,
   * a file that is not CSV): the files before it are loaded, as far as the default
   * engine would have read before failing, and the error is raised once their rows are
   * accounted for.
   */
  readonly fatal: unknown;
}

export interface LoadOptions {
  readonly inputTimeZone: string | undefined;
  /** CSV files to read through byok's rewriting (normalizeCsv): file index → the rewritten file. */
  readonly rewritten: ReadonlyMap<number, string>;
  /** `--max-line-bytes`, parsed: byok's reader refuses a longer record. */
  readonly maxLineBytes: number;
}

/** A file ready to be read: its header and the subquery of its rows. */
interface FileSource {
  readonly input: LogInput;
  readonly header: LogHeader | undefined;
  readonly sql: string | undefined;
  readonly parquetColumns: readonly ParquetColumn[] | undefined;
}

/**
 * Reads every input into `checked_rows` (checkedRowsSql.ts), in order, and says for
 * each where its rows are. With an input time zone, the wall-clock times the logs hold
 * are found first, so the zone's steps cover exactly their span. A CSV file DuckDB
 * cannot read as byok does throws CsvNeedsRewriting (the run starts over with it
 * rewritten); input errors stop the loading at their file (`fatal`).
 */
export async function loadLogs(connection: DuckDBConnection, inputs: readonly LogInput[], options: LoadOptions): Promise<LoadedLogs> {
  const sources: FileSource[] = [];
  let fatal: unknown;
  for (const input of inputs) {
    try {
      sources.push(input.format === 'csv' ? await csvFile(input, options.rewritten.get(input.index), options.maxLineBytes) : await parquetFile(connection, input));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      fatal = error;
      break;
    }
  }
  const localSteps = options.inputTimeZone === undefined ? undefined : await localStepsOf(connection, sources, options.inputTimeZone, options);
  await connection.run(createCheckedRowsSql());
  const files: LoadedFile[] = [];
  let firstRowKey = 0;
  for (const source of sources) {
    let loaded: LoadedFile;
    try {
      loaded = await loadFile(connection, source, firstRowKey, localSteps, readAs(source.input, options));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { files, fatal: error };
    }
    files.push(loaded);
    firstRowKey += loaded.rowCount;
  }
  return { files, fatal };
}

async function csvFile(input: LogInput, rewrittenPath: string | undefined, maxLineBytes: number): Promise<FileSource> {
  const found = await readCsvHeader(input, maxLineBytes);
  if (found === undefined) return { input, header: undefined, sql: undefined, parquetColumns: undefined };
  // DuckDB takes the line end from the file's first line: after a blank CRLF line, an
  // LF-ended header and rows were one line to it, skipped as the header, and the file
  // billed no row at all, without an error. Blank lines before a header are rare: such a
  // file is read through byok's rewriting (no blank lines, LF line ends).
  if (rewrittenPath === undefined && found.line > 1) throw new CsvNeedsRewriting(input.index, `its header is on line ${found.line}, after blank lines`);
  const sql = csvSourceSql({
    fileIndex: input.index,
    path: rewrittenPath ?? input.path,
    gzipped: rewrittenPath === undefined && input.gzipped,
    header: found.header,
    // The rewriting has no blank lines.
    linesBeforeHeader: rewrittenPath === undefined ? found.line - 1 : 0,
    maxLineBytes,
  });
  return { input, header: found.header, sql, parquetColumns: undefined };
}

async function parquetFile(connection: DuckDBConnection, input: LogInput): Promise<FileSource> {
  let parquetColumns: ParquetColumn[];
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${duckdbString(input.path)})`);
    parquetColumns = described.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  } catch (error) {
    throw parquetUnreadable(input, error);
  }
  const header = readLogHeader(
    parquetColumns.map((c) => c.name),
    input.name,
  );
  const text: Partial<Record<LogColumn, string>> = {};
  const typed: Partial<Record<LogColumn, string>> = {};
  for (const column of LOG_COLUMNS) {
    const at = header.index[column];
    if (at === -1) continue;
    const { name, type } = parquetColumns[at]!;
    // Checked first, so a float column is refused even where it would be read typed.
    const asText = parquetColumnText(input.name, name, type, column);
    const asTyped = parquetTypedValue(name, type, column);
    if (asTyped === undefined) text[column] = asText;
    else typed[column] = asTyped;
  }
  const sql = parquetSourceSql({ fileIndex: input.index, path: input.path, text, typedEpochUs: typed.timestamp, typedCost: typed.cost_usd });
  return { input, header, sql, parquetColumns };
}

/** The input time zone's steps over the wall-clock times the logs write without an offset. */
async function localStepsOf(connection: DuckDBConnection, sources: readonly FileSource[], zone: string, options: LoadOptions): Promise<LocalOffsetStep[]> {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const source of sources) {
    if (source.sql === undefined) continue;
    let range: Record<string, unknown>;
    try {
      range = (await connection.runAndReadAll(localTimeRangeSql(source.sql))).getRowObjectsJson()[0]!;
    } catch (error) {
      // Nothing more is run on the database after a failure: DuckDB invalidates it after an
      // internal error (a timestamp cell that is not UTF-8 did that here), and a statement
      // then fails in its turn and hides why the read failed. A run that starts over (the
      // file rewritten) does so on a fresh database.
      const failure = duckdbFailure(error);
      throw failure === error ? await unreadable(source.input, error, readAs(source.input, options)) : failure;
    }
    if (source.input.format === 'csv') await connection.run(dropReaderRejectsSql);
    if (range.lo !== null && range.lo !== undefined) {
      lo = Math.min(lo, Number(range.lo));
      hi = Math.max(hi, Number(range.hi));
    }
  }
  return lo > hi ? [] : localOffsetSteps(zone, lo, hi);
}

/** How a file is read: whether through byok's rewriting, and `--max-line-bytes`. */
interface ReadAs {
  readonly rewritten: boolean;
  readonly maxLineBytes: number;
}

function readAs(input: LogInput, options: LoadOptions): ReadAs {
  return { rewritten: options.rewritten.has(input.index), maxLineBytes: options.maxLineBytes };
}

/**
 * Appends one file's rows to `checked_rows`, in a transaction: a CSV file whose rows
 * DuckDB's reader refuses for anything but their number of fields (invalid UTF-8, a line
 * past its max_line_size, say) is rolled back and read again rewritten, so that a row's
 * position stays its position.
 */
async function loadFile(
  connection: DuckDBConnection,
  source: FileSource,
  firstRowKey: number,
  localSteps: readonly LocalOffsetStep[] | undefined,
  { rewritten, maxLineBytes }: ReadAs,
): Promise<LoadedFile> {
  const { input, header } = source;
  const unknown = header?.unknown ?? [];
  const loaded: LoadedFile = {
    input,
    header,
    warning: unknown.length > 0 ? `${input.name}: ignoring unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => JSON.stringify(c)).join(', ')}` : undefined,
    rewritten,
    firstRowKey,
    rowCount: 0,
    fieldCountRejects: 0,
    parquetColumns: source.parquetColumns,
  };
  if (source.sql === undefined) return loaded;
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(insertCheckedRowsSql(source.sql, localSteps));
  } catch (error) {
    await connection.run('ROLLBACK');
    const failure = duckdbFailure(error);
    throw failure === error ? await unreadable(input, error, { rewritten, maxLineBytes }) : failure;
  }
  let fieldCountRejects = 0;
  let otherReaderRejects = 0;
  if (input.format === 'csv') {
    const rejects = (await connection.runAndReadAll(readerRejectsSql)).getRowObjectsJson()[0]!;
    fieldCountRejects = Number(rejects.field_count);
    otherReaderRejects = Number(rejects.other);
    await connection.run(dropReaderRejectsSql);
  }
  if (otherReaderRejects > 0) {
    await connection.run('ROLLBACK');
    throw needsRewriting(input, rewritten, `DuckDB's CSV reader refused ${otherReaderRejects} row(s) for another reason than their number of fields`);
  }
  const rowCount = await rowsSince(connection, firstRowKey);
  await connection.run('COMMIT');
  return { ...loaded, rowCount, fieldCountRejects };
}

/**
 * Why DuckDB could not read a file through. For CSV, byok's reader says it in the
 * default engine's words (a truncated gzip, malformed quoting); when byok's reader
 * reads the file, DuckDB reads it differently, and the file is rewritten for it.
 */
async function unreadable(input: LogInput, duckdbError: unknown, { rewritten, maxLineBytes }: ReadAs): Promise<unknown> {
  if (input.format === 'parquet') return parquetUnreadable(input, duckdbError);
  const stream = input.source.open();
  try {
    // Records it refuses (too long, not UTF-8) are not errors here: the rewriting refuses them as rows.
    for await (const batch of csvRecordBatches(stream, input.name, maxLineBytes)) void batch;
  } catch (error) {
    return readFailure(error, input.name);
  } finally {
    stream.destroy();
  }
  return needsRewriting(input, rewritten, `DuckDB cannot read it (${firstLine((duckdbError as Error).message)})`);
}

function needsRewriting(input: LogInput, rewritten: boolean, why: string): Error {
  if (!rewritten) return new CsvNeedsRewriting(input.index, why);
  return new DuckdbRefusal('DUCKDB_READ_FAILED', `${input.name}: ${why}, even rewritten by byok's CSV reader; bill it with --engine js`);
}

function parquetUnreadable(input: LogInput, error: unknown): DuckdbRefusal {
  return new DuckdbRefusal('DUCKDB_READ_FAILED', `${input.name}: DuckDB cannot read this Parquet file (${firstLine((error as Error).message)})`);
}

async function rowsSince(connection: DuckDBConnection, firstRowKey: number): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${CHECKED_ROWS}`);
  return Number(reader.getRowObjectsJson()[0]!.n) - firstRowKey;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
