import { conflictingDuplicateReason } from '@byok-billing/core/internal';
import { csvRecordBatches } from '../../io/csvRecords.js';
import { LOG_COLUMNS, type LogColumn, type LogHeader } from '../../io/logColumns.js';
import type { InputSource } from '../../io/openInput.js';
import { faultProblem } from '../../io/recordFault.js';
import { RowProblem, rowToRequest } from '../../io/rowToRequest.js';
import { readFailure } from '../../io/readFailure.js';
import type { Rejection } from '../../replay/rowSource.js';
import { DuckdbEngineBug } from './duckdbEngineErrors.js';
import { CsvNeedsRewriting } from './normalizeCsv.js';
import type { ReviewSink, RowPlace, RowsToReview } from './rowsToReview.js';

/**
 * Reads one CSV file again with byok's own reader (the default engine's), for the rows
 * SQL found something to say about. DuckDB knows a row's position but not its physical
 * line (a quoted field may hold line breaks) nor its text as written, and the reasons
 * for refusing a row must be the default engine's, word for word: so every record is
 * read here exactly as the default engine reads it, and
 * - a record with the wrong number of fields, or that `rowToRequest` refuses, becomes
 *   the same rejection the default engine writes. Each must be one SQL refused too, and
 *   every row SQL refused must be one of them: a disagreement is a bug, reported as
 *   such instead of a bill that differs;
 * - a record SQL found to repeat an earlier request_id with other content is rejected
 *   with the default engine's message, naming where the first one is;
 * - records whose line and text are wanted elsewhere (the first row of a conflicting id,
 *   a request before the policy's first version) are located;
 * - records DuckDB's reader may have split otherwise (a quote or a carriage return in a
 *   field) are compared field by field with what DuckDB read; a difference, or another
 *   count of rows, throws CsvNeedsRewriting (the run starts over with the file rewritten);
 * - a record byok's reader refuses as read (longer than --max-line-bytes, not UTF-8:
 *   `record.fault`) is one DuckDB read as a row, or set aside for its own reasons, in the
 *   file as written: that throws CsvNeedsRewriting too. In byok's rewriting it is a line
 *   DuckDB sets aside for its number of fields (normalizeCsv), and it is refused here as
 *   the default engine refuses it.
 *
 * Malformed CSV throws the default engine's InputError. Rejections and places go to
 * `sink` as they are found (the sink throws the first rejection when the run has no
 * `--rejects`), so a run that stops on a fatal error still has the ones before it.
 */
export async function reviewCsvFile(input: InputSource, header: LogHeader, rows: RowsToReview, sink: ReviewSink): Promise<void> {
  const file = input.name;
  let ordinal = 0;
  let fieldCountRejects = 0;
  let seenHeader = false;
  const reject = (rejection: Rejection): void => sink.reject(rejection);
  const stream = input.open();
  try {
    reading: for await (const batch of csvRecordBatches(stream, file, rows.maxLineBytes)) {
      for (const record of batch) {
        if (!seenHeader) {
          seenHeader = true;
          continue;
        }
        const place: RowPlace = { file, line: record.line, text: record.text };
        if (record.fault !== undefined) {
          const problem = problemOf(faultProblem(record.fault, header));
          if (!rows.rewritten) throw readOtherwise(rows, `line ${record.line}: byok's reader refuses the record as read (${problem.reason})`);
          fieldCountRejects++;
          reject({ ...place, ...problem });
          continue;
        }
        if (record.fields.length !== header.width) {
          fieldCountRejects++;
          reject({ ...place, ...rowProblem(record.fields, header, rows.inputTimeZone)! });
          continue;
        }
        const at = ordinal++;
        if (rows.located.has(at)) sink.located(at, place);
        const duckdbFields = rows.compare.get(at);
        if (duckdbFields !== undefined) {
          const differs = differingColumn(record.fields, header, duckdbFields);
          if (differs !== undefined) throw readOtherwise(rows, `line ${record.line}, column ${differs}: DuckDB's CSV reader reads another value than byok's`);
        }
        const problem = rowProblem(record.fields, header, rows.inputTimeZone);
        if ((problem !== undefined) !== rows.refused.has(at)) {
          throw new DuckdbEngineBug(
            `${file}, line ${record.line}: SQL ${rows.refused.has(at) ? 'refused' : 'accepted'} the row and the default engine ${problem ? `refused it (${problem.reason})` : 'accepts it'}`,
          );
        }
        if (problem !== undefined) {
          reject({ ...place, ...problem });
          continue;
        }
        const conflict = rows.conflicts.get(at);
        if (conflict !== undefined) {
          reject({
            ...place,
            column: header.index.request_id + 1,
            columnName: 'request_id',
            reason: conflictingDuplicateReason(record.fields[header.index.request_id]!, conflict()),
          });
        }
        if (!rows.checkAll && at >= rows.lastOrdinalWanted) break reading;
      }
    }
  } catch (error) {
    throw readFailure(error, file);
  } finally {
    stream.destroy();
  }
  if (rows.checkAll && (ordinal !== rows.rowCount || fieldCountRejects !== rows.fieldCountRejects)) {
    throw readOtherwise(rows, `DuckDB's CSV reader found ${rows.rowCount} rows and ${rows.fieldCountRejects} with a wrong number of fields, byok's ${ordinal} and ${fieldCountRejects}`);
  }
}

type Problem = Pick<Rejection, 'reason' | 'column' | 'columnName'>;

/** Why the default engine refuses a record (rowToRequest's RowProblem), or undefined when it takes it. */
export function rowProblem(fields: readonly string[], header: LogHeader, inputTimeZone: string | undefined): Problem | undefined {
  try {
    rowToRequest(fields, header, { inputTimeZone });
    return undefined;
  } catch (error) {
    if (error instanceof RowProblem) return problemOf(error);
    throw error;
  }
}

function problemOf(problem: RowProblem): Problem {
  return { reason: problem.reason, column: problem.column, columnName: problem.columnName };
}

/** The first log column whose value DuckDB read otherwise than byok's reader. */
function differingColumn(fields: readonly string[], header: LogHeader, duckdbFields: readonly string[]): LogColumn | undefined {
  return LOG_COLUMNS.find((column, i) => {
    const index = header.index[column];
    return (index === -1 ? '' : fields[index]!) !== duckdbFields[i];
  });
}

/** DuckDB read the file otherwise than byok: the run starts over with it rewritten (or, rewritten already, it is a bug). */
function readOtherwise(rows: RowsToReview, why: string): Error {
  if (rows.rewritten) return new DuckdbEngineBug(`DuckDB reads byok's rewriting of file ${rows.fileIndex} otherwise: ${why}`);
  return new CsvNeedsRewriting(rows.fileIndex, why);
}
