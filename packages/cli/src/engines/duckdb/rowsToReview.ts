import type { Rejection } from '../../replay/rowSource.js';

/** Where a row of the input is, as the default engine names it: file, physical line, text as written. */
export interface RowPlace {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/**
 * What SQL found in one file that the file must be read again for (see reviewCsvFile
 * and reviewParquetFile). Rows are named by their ordinal: their position among the
 * file's rows DuckDB kept (rows with the header's number of fields), from 0.
 */
export interface RowsToReview {
  readonly inputTimeZone: string | undefined;
  /** `--max-line-bytes`: byok's reader refuses a longer record, as the default engine does. */
  readonly maxLineBytes: number;
  /** Rows SQL refused. */
  readonly refused: ReadonlySet<number>;
  /** Rows that repeat an earlier request_id with other content → where that first row is ("file, line N"). */
  readonly conflicts: ReadonlyMap<number, () => string>;
  /** Rows whose place is wanted. */
  readonly located: ReadonlySet<number>;
  /** Rows DuckDB's reader may have split otherwise, or that may be too long → the log columns' values it read ('' when empty or absent). */
  readonly compare: ReadonlyMap<number, readonly string[]>;
  /** Whether every row must be read and checked (the file has refused or doubtful rows), or only up to `lastOrdinalWanted`. */
  readonly checkAll: boolean;
  readonly lastOrdinalWanted: number;
  /** Rows DuckDB kept, and the ones its reader set aside for a wrong number of fields. */
  readonly rowCount: number;
  readonly fieldCountRejects: number;
  /** The file's position in the run, and whether DuckDB read byok's rewriting of it (normalizeCsv). */
  readonly fileIndex: number;
  readonly rewritten: boolean;
}

/** Where a file's review sends what it finds. */
export interface ReviewSink {
  /** A refused row; throws it as an input error when the run has no `--rejects`. */
  reject(rejection: Rejection): void;
  /** The place of a row asked for in `located`. */
  located(ordinal: number, place: RowPlace): void;
}
