import { join } from 'node:path';
import { csvRecordBatches } from '../../io/csvRecords.js';
import { writingInPlace } from '../../io/outputFiles.js';
import { fileSink } from '../../io/outputSink.js';
import { readFailure } from '../../io/readFailure.js';
import type { LogInput } from './logInputs.js';

/**
 * A CSV file DuckDB reads otherwise than byok's reader (mixed line ends, a stray quote
 * inside a field, invalid UTF-8, a record past --max-line-bytes) is rewritten by byok's
 * reader as plain RFC 4180 (every field quoted, LF line ends, valid UTF-8) and DuckDB
 * reads that instead. The records stay the same and in the same order, so a row's
 * ordinal is unchanged, and errors still name the original file's lines: they come from
 * reading the original again (reviewCsvFile). Malformed CSV throws the default engine's
 * error.
 */
export async function normalizeCsv(input: LogInput, directory: string, maxLineBytes: number): Promise<string> {
  const path = join(directory, `normalized-${input.index}.csv`);
  // A working file DuckDB reads during the run, not an output: written in place, not held back.
  const sink = writingInPlace(() => fileSink(path));
  const stream = input.source.open();
  try {
    for await (const batch of csvRecordBatches(stream, input.name, maxLineBytes)) {
      for (const record of batch) sink.write(record.fault === undefined ? quotedRecord(record.fields) : REFUSED_RECORD);
    }
  } catch (error) {
    throw readFailure(error, input.name);
  } finally {
    stream.destroy();
    sink.close();
  }
  return path;
}

function quotedRecord(fields: readonly string[]): string {
  return `${fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',')}\n`;
}

/**
 * What a record byok's reader refuses as read (too long, not UTF-8: CsvRecord.fault)
 * becomes: one field, where a log's header has at least four, so that DuckDB's reader
 * sets it aside as a row with the wrong number of fields. It so counts as a row and as a
 * refused one, as in the default engine, and SQL sees none of its (lossy) values;
 * reviewCsvFile refuses it in the default engine's words.
 */
const REFUSED_RECORD = '"refused by byok\'s reader"\n';

/** Thrown when a CSV file turns out to need normalizeCsv; the run starts over with it rewritten. */
export class CsvNeedsRewriting extends Error {
  readonly code = 'DUCKDB_CSV_NEEDS_REWRITING';

  constructor(readonly fileIndex: number, readonly why: string) {
    super(`file ${fileIndex}: ${why}`);
    this.name = 'CsvNeedsRewriting';
  }
}
