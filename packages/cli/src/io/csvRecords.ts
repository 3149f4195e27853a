import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from './inputError.js';
import { type PhysicalLine, physicalLines } from './physicalLines.js';

/** One CSV record with where it came from. */
export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  readonly fields: string[];
  /** The record's original text (without its line end), for the rejects file. */
  readonly text: string;
}

/**
 * Streams the records of a CSV text (RFC 4180 plus what exports do: a UTF-8 BOM, CRLF
 * or LF line ends, quoted fields with commas, doubled quotes and newlines).
 *
 * Speed without a second dialect: a line with no quote character cannot hold anything
 * but plain fields, so it is split on commas directly, which is exactly what a CSV parser
 * gives for it. Every record that has a quote character anywhere goes through csv-parse
 * whole (several physical lines when a quoted field holds newlines), so quoting is
 * always read by the real parser. Blank lines are not records and are skipped.
 */
export async function* csvRecords(stream: Readable, file: string): AsyncGenerator<CsvRecord> {
  for await (const batch of csvRecordBatches(stream, file)) yield* batch;
}

/**
 * The records of each chunk read, as one array: the replay's hot path takes a whole
 * chunk per await instead of paying an async step per row.
 */
export async function* csvRecordBatches(stream: Readable, file: string): AsyncGenerator<CsvRecord[]> {
  let pending: string | undefined; // a quoted record still open across lines
  let pendingLine = 0;
  let pendingQuotes = 0;

  const quoted = (text: string, line: number): CsvRecord => ({ line, fields: parseQuotedRecord(text, file, line), text });

  const handleLine = ({ line, text }: PhysicalLine): CsvRecord | undefined => {
    if (pending !== undefined) {
      pending += `\n${text}`;
      pendingQuotes += countQuotes(text);
      if (pendingQuotes % 2 === 1) return undefined;
      const record = quoted(pending, pendingLine);
      pending = undefined;
      return record;
    }
    if (text.indexOf('"') === -1) {
      if (text.length === 0) return undefined;
      return { line, fields: text.split(','), text };
    }
    const quotes = countQuotes(text);
    if (quotes % 2 === 1) {
      pending = text;
      pendingLine = line;
      pendingQuotes = quotes;
      return undefined;
    }
    return quoted(text, line);
  };

  for await (const lines of physicalLines(stream, file, 'CSV')) {
    const batch: CsvRecord[] = [];
    for (const physical of lines) {
      const record = handleLine(physical);
      if (record !== undefined) batch.push(record);
    }
    if (batch.length > 0) yield batch;
  }
  if (pending !== undefined) {
    throw new InputError({ file, line: pendingLine }, 'malformed CSV: a quoted field is never closed');
  }
}

/**
 * The fields of one record that holds quote characters (its lines joined with `\n`),
 * read by csv-parse, the full parser, so quoting is never second-guessed.
 */
export function parseQuotedRecord(text: string, file: string, line: number): string[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (error) {
    throw new InputError({ file, line }, `malformed CSV: ${(error as Error).message.replace(/^Invalid/, 'invalid')}`);
  }
  if (rows.length !== 1) throw new InputError({ file, line }, 'malformed CSV: a quoted record did not parse as one row');
  return rows[0]!;
}

export function countQuotes(text: string): number {
  let n = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    n++;
    i = text.indexOf('"', i + 1);
  }
  return n;
}
