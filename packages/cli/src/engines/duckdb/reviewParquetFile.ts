import { conflictingDuplicateReason } from '@byok-billing/core/internal';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LOG_COLUMNS, type LogColumn, type LogHeader } from '../../io/logColumns.js';
import { DuckdbEngineBug } from './duckdbEngineErrors.js';
import { duckdbString } from './duckdbText.js';
import type { ParquetColumn } from './loadLogs.js';
import { parquetColumnText, parquetOtherColumnText } from './parquetColumns.js';
import { problemOrdinalsOfFileSql } from './problemRowsSql.js';
import { rowProblem } from './reviewCsvFile.js';
import type { ReviewSink, RowPlace, RowsToReview } from './rowsToReview.js';

/**
 * reviewCsvFile for a Parquet file: the rows SQL has something to say about are read
 * back, each column as the text the engine checked (parquetColumns.ts), and refused
 * with the default engine's reasons (rowToRequest on that text). A Parquet row has no
 * line: its place is its row number in the file, from 1, and its text the row's values
 * written as a CSV line.
 */
export async function reviewParquetFile(
  connection: DuckDBConnection,
  file: { readonly name: string; readonly path: string; readonly firstRowKey: number },
  columns: readonly ParquetColumn[],
  header: LogHeader,
  rows: RowsToReview,
  sink: ReviewSink,
): Promise<void> {
  const knownAt = new Map<number, LogColumn>(LOG_COLUMNS.filter((c) => header.index[c] !== -1).map((c) => [header.index[c], c]));
  const texts = columns.map((c, i) => {
    const column = knownAt.get(i);
    return `coalesce(${column === undefined ? parquetOtherColumnText(c.name, c.type) : parquetColumnText(file.name, c.name, c.type, column)}, '') AS f${i}`;
  });
  // The rows asked for are the file's problem rows; a Parquet row's ordinal is its file_row_number.
  const reader = await connection.runAndReadAll(
    `SELECT p.file_row_number AS ordinal, ${texts.join(', ')} FROM read_parquet(${duckdbString(file.path)}, file_row_number = true) p ` +
      `SEMI JOIN (${problemOrdinalsOfFileSql(rows.fileIndex, file.firstRowKey)}) w ON p.file_row_number = w.ordinal ORDER BY p.file_row_number`,
  );
  for (const row of reader.getRowObjectsJson()) {
    const ordinal = Number(row.ordinal);
    const fields = columns.map((_, i) => String(row[`f${i}`]));
    const place: RowPlace = { file: file.name, line: ordinal + 1, text: fields.map(csvField).join(',') };
    if (rows.located.has(ordinal)) sink.located(ordinal, place);
    if (rows.refused.has(ordinal)) {
      const problem = rowProblem(fields, header, rows.inputTimeZone);
      if (problem === undefined) throw new DuckdbEngineBug(`${file.name}, row ${ordinal + 1}: SQL refused the row and the default engine accepts it`);
      sink.reject({ ...place, ...problem });
    }
    const conflict = rows.conflicts.get(ordinal);
    if (conflict !== undefined) {
      sink.reject({
        ...place,
        column: header.index.request_id + 1,
        columnName: 'request_id',
        reason: conflictingDuplicateReason(fields[header.index.request_id]!, conflict()),
      });
    }
  }
}

/** A field of a CSV line as a CSV writer quotes it (the rejects file quotes the whole line again). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
