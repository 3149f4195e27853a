import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from './inputError.js';
import { type PhysicalLine, countQuoteBytes, physicalLines, storedBytes, storedLength } from './physicalLines.js';
import { DEFAULT_MAX_LINE_BYTES, previewLength } from './readLimits.js';
import { guardedBytes } from './readFailure.js';
import { type RecordFault, faultText, headerFaultError, utf8Fault } from './recordFault.js';
import { describeInvalidByte, lossyText } from './utf8.js';

/** One CSV record with where it came from. */
export interface CsvRecord {
  /** 1-based physical line the record starts on. */
  readonly line: number;
  readonly fields: string[];
  /** The record's original text (without its line end), for the rejects file. */
  readonly text: string;
  /**
   * Set when the record is refused as read: longer than the limit (`fields` then holds only
   * the start of its text) or not UTF-8 (`fields` hold its text with U+FFFD for each bad
   * byte; `text` shows the bad bytes as `\xHH`). The header is never such a record: the
   * file is refused instead.
   */
  readonly fault?: RecordFault | undefined;
}

/**
 * Streams the records of a CSV text (RFC 4180 plus what exports do: a UTF-8 BOM, CRLF
 * or LF line ends, quoted fields with commas, doubled quotes and newlines), refusing any
 * record with a fault (csvRecordBatches): the accounts and invoice files have no rejects.
 *
 * Speed without a second dialect: a line with no quote character cannot hold anything
 * but plain fields, so it is split on commas directly, which is exactly what a CSV parser
 * gives for it. Every record that has a quote character anywhere goes through csv-parse
 * whole (several physical lines when a quoted field holds newlines), so quoting is
 * always read by the real parser. Blank lines are not records and are skipped. A stream
 * that fails (a broken .gz) is refused naming the file (readFailure).
 */
export async function* csvRecords(stream: AsyncIterable<Uint8Array>, file: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<CsvRecord> {
  for await (const batch of csvRecordBatches(guardedBytes(stream, file), file, maxLineBytes)) {
    for (const record of batch) {
      if (record.fault !== undefined) throw faultError(record, file);
      yield record;
    }
  }
}

/**
 * The records of each chunk read, as one array: the replay's hot path takes a whole
 * chunk per await instead of paying an async step per row. A record longer than
 * `maxLineBytes` bytes (all its lines, without the line end that ends it) or holding
 * bytes that are not UTF-8 comes with its `fault`; the reader goes on after it.
 */
export async function* csvRecordBatches(stream: AsyncIterable<Uint8Array>, file: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<CsvRecord[]> {
  const assembler = new RecordAssembler(file, maxLineBytes);
  for await (const lines of physicalLines(stream, file, 'CSV', maxLineBytes)) {
    const batch: CsvRecord[] = [];
    let failure: unknown;
    try {
      for (const physical of lines) {
        const record = assembler.take(physical);
        if (record !== undefined) batch.push(record);
      }
    } catch (error) {
      // Bad input that stops the file: the records before it are still given (the byte
      // scanner does the same), so a header's warning or a refused row before it is reported.
      failure = error;
    }
    if (batch.length > 0) yield batch;
    if (failure !== undefined) throw failure;
  }
  assembler.end();
}

/** Puts physical lines together into records (see csvRecordBatches). */
class RecordAssembler {
  /** The lines of a quoted record still open, its quote characters so far, and its bytes so far counting each line's LF. */
  private pending: PhysicalLine[] | undefined;
  private pendingQuotes = 0;
  private pendingBytes = 0;
  /** Quote characters of a refused over-long record being skipped to its end (the first line end outside quotes). */
  private skipQuotes: number | undefined;
  private headerSeen = false;

  constructor(
    private readonly file: string,
    private readonly maxLineBytes: number,
  ) {}

  take(physical: PhysicalLine): CsvRecord | undefined {
    if (this.skipQuotes !== undefined) {
      this.skipQuotes += quotesOf(physical);
      if (this.skipQuotes % 2 === 0) this.skipQuotes = undefined;
      return undefined;
    }
    if (this.pending !== undefined) return this.continueRecord(physical);
    if (physical.tooLong !== undefined) return this.tooLong([physical], physical.tooLong.quotes, false);
    const { text, line } = physical;
    if (physical.invalid === undefined && text.indexOf('"') === -1) {
      if (text.length === 0) return undefined;
      return this.record({ line, fields: text.split(','), text });
    }
    const quotes = quotesOf(physical);
    if (quotes % 2 === 0) return this.complete([physical]);
    this.pending = [physical];
    this.pendingQuotes = quotes;
    this.pendingBytes = storedLength(physical) + 1;
    return this.pendingBytes > this.maxLineBytes ? this.tooLongPending() : undefined;
  }

  /** The input ended: a quoted record still open is malformed (unless it was refused as too long). */
  end(): void {
    if (this.pending !== undefined) {
      throw new InputError({ file: this.file, line: this.pending[0]!.line }, 'malformed CSV: a quoted field is never closed');
    }
  }

  private continueRecord(physical: PhysicalLine): CsvRecord | undefined {
    const lines = this.pending!;
    if (physical.tooLong !== undefined) {
      this.pending = undefined;
      return this.tooLong([...lines, physical], this.pendingQuotes + physical.tooLong.quotes, false);
    }
    lines.push(physical);
    this.pendingQuotes += quotesOf(physical);
    const stored = storedLength(physical);
    if (this.pendingQuotes % 2 === 1) {
      // The record goes on past this line's LF: it is at least this long already.
      this.pendingBytes += stored + 1;
      return this.pendingBytes > this.maxLineBytes ? this.tooLongPending() : undefined;
    }
    this.pending = undefined;
    const length = this.pendingBytes + stored - (physical.cr ? 1 : 0);
    return length > this.maxLineBytes ? this.tooLong(lines, this.pendingQuotes, false) : this.complete(lines);
  }

  private tooLongPending(): CsvRecord {
    const lines = this.pending!;
    this.pending = undefined;
    return this.tooLong(lines, this.pendingQuotes, true);
  }

  /**
   * A record longer than the limit: refused, shown by its first bytes; when a quoted field
   * is still open, the lines up to where it closes are skipped as they come (not kept).
   */
  private tooLong(lines: readonly PhysicalLine[], quotes: number, continues: boolean): CsvRecord {
    if (quotes % 2 === 1) this.skipQuotes = quotes;
    const parts: Uint8Array[] = [];
    lines.forEach((l, k) => {
      if (k > 0) parts.push(LF);
      parts.push(storedBytes(l));
    });
    if (continues) parts.push(LF);
    const start = Buffer.concat(parts).subarray(0, previewLength(this.maxLineBytes));
    const fault: RecordFault = { kind: 'too-long', maxLineBytes: this.maxLineBytes };
    const text = faultText(fault, start);
    return this.record({ line: lines[0]!.line, fields: [text], text, fault }, start);
  }

  /** A whole record with a quote character or a byte that is not UTF-8. */
  private complete(lines: readonly PhysicalLine[]): CsvRecord {
    const line = lines[0]!.line;
    // A line end inside the record is inside a quoted field: a CR before it is part of the
    // value (RFC 4180: "a\r\nb" and "a\nb" are two ids); only the record's own end drops it.
    const last = lines.length - 1;
    if (lines.every((l) => l.invalid === undefined)) {
      const text = last === 0 ? lines[0]!.text : lines.map((l, k) => (k < last && l.cr ? `${l.text}\r` : l.text)).join('\n');
      return this.record({ line, fields: parseQuotedRecord(text, this.file, line), text });
    }
    const parts: Uint8Array[] = [];
    lines.forEach((l, k) => {
      if (k > 0) parts.push(LF);
      parts.push(l.invalid ?? Buffer.from(l.text, 'utf8'));
      if (k < last && l.cr) parts.push(CR_BYTE);
    });
    const bytes = Buffer.concat(parts);
    const fault = utf8Fault(bytes);
    // Not well-formed CSV either: refused as malformed, in the words csv-parse has for it.
    const lossy = lossyText(bytes);
    const fields = lossy.indexOf('"') === -1 ? lossy.split(',') : parseQuotedRecord(lossy, this.file, line);
    if (fault === undefined) throw new InputError({ file: this.file, line }, 'malformed CSV: the record could not be read');
    return this.record({ line, fields, text: faultText(fault, bytes), fault }, bytes);
  }

  /** The first record is the header: a fault there refuses the file. */
  private record(record: CsvRecord, bytes?: Uint8Array): CsvRecord {
    if (!this.headerSeen) {
      this.headerSeen = true;
      if (record.fault !== undefined) throw headerFaultError(record.fault, this.file, record.line, bytes!);
    }
    return record;
  }
}

const LF = Buffer.from([10]);
const CR_BYTE = Buffer.from([13]);

function quotesOf(line: PhysicalLine): number {
  if (line.tooLong !== undefined) return line.tooLong.quotes;
  if (line.invalid !== undefined) return countQuoteBytes(line.invalid, 0, line.invalid.length);
  return countQuotes(line.text);
}

/** A faulted record where none may be (a file without rejects): its place and reason. */
function faultError(record: CsvRecord, file: string): InputError {
  const fault = record.fault!;
  if (fault.kind === 'too-long') return new InputError({ file, line: record.line }, `the record is longer than ${fault.maxLineBytes} bytes`);
  return new InputError({ file, line: record.line, column: fault.field + 1 }, `not valid UTF-8 (${describeInvalidByte(fault.byte, fault.position)})`);
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
