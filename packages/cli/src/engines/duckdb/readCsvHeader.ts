import { csvRecordBatches } from '../../io/csvRecords.js';
import { type LogHeader, readLogHeader } from '../../io/logColumns.js';
import { readFailure } from '../../io/readFailure.js';
import type { LogInput } from './logInputs.js';

export interface CsvHeader {
  readonly header: LogHeader;
  /** The physical line the header is on (blank lines before it are skipped, as the default engine does). */
  readonly line: number;
}

/**
 * A CSV log's header, read by byok's own reader so that a file without the required
 * columns, with a column twice, or that is no text at all fails with the default
 * engine's very message (a header past `maxLineBytes` or not UTF-8 too). Undefined for an
 * empty file (no rows, no error).
 */
export async function readCsvHeader(input: LogInput, maxLineBytes: number): Promise<CsvHeader | undefined> {
  const stream = input.source.open();
  try {
    for await (const batch of csvRecordBatches(stream, input.name, maxLineBytes)) {
      const first = batch[0];
      if (first !== undefined) return { header: readLogHeader(first.fields, input.name), line: first.line };
    }
    return undefined;
  } catch (error) {
    throw readFailure(error, input.name);
  } finally {
    stream.destroy();
  }
}
