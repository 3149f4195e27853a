import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from './inputError.js';

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
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNumber = 0;
  let pending: string | undefined; // a quoted record still open across lines
  let pendingLine = 0;
  let pendingQuotes = 0;
  let first = true;

  const quoted = (text: string, line: number): CsvRecord => ({ line, fields: parseQuotedRecord(text, file, line), text });

  const handleLine = (raw: string): CsvRecord | undefined => {
    lineNumber++;
    let text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
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
      return { line: lineNumber, fields: text.split(','), text };
    }
    const quotes = countQuotes(text);
    if (quotes % 2 === 1) {
      pending = text;
      pendingLine = lineNumber;
      pendingQuotes = quotes;
      return undefined;
    }
    return quoted(text, lineNumber);
  };

  let checked = false;
  for await (const chunk of stream) {
    if (!checked) {
      // Text never holds NUL bytes; binary files (images, archives, spreadsheets) do early.
      checked = true;
      if ((chunk as Buffer).indexOf(0) !== -1) throw new InputError({ file, line: 1 }, 'is not a CSV text file (it contains NUL bytes)');
    }
    const text = carry + decoder.write(chunk as Buffer);
    const batch: CsvRecord[] = [];
    let start = 0;
    let end = text.indexOf('\n');
    while (end !== -1) {
      const record = handleLine(text.slice(start, end));
      if (record !== undefined) batch.push(record);
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    carry = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) {
    const record = handleLine(rest);
    if (record !== undefined) yield [record];
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
