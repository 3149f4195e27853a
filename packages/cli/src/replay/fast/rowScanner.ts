import { isAscii } from 'node:buffer';
import { KEY_RESULTS, MAX_MONEY_FRACTION_DIGITS, PLATFORM_RESULTS, ROUTES, type UsageRequest, daysInMonth } from '@byok-billing/core';
import { ABSENT, KEY_CODE, PLATFORM_CODE, ROUTE_CODE, daysFromCivil } from '@byok-billing/core/internal';
import { parseQuotedRecord } from '../../io/csvRecords.js';
import { InputError } from '../../io/inputError.js';
import { type LogHeader, readLogHeader } from '../../io/logColumns.js';
import { countQuoteBytes } from '../../io/physicalLines.js';
import { previewLength, DEFAULT_MAX_LINE_BYTES } from '../../io/readLimits.js';
import { type RecordFault, faultProblem, faultText, headerFaultError, utf8Fault } from '../../io/recordFault.js';
import { RowProblem, rowToRequest } from '../../io/rowToRequest.js';
import { SNIFF_BYTES, assertText } from '../../io/textSniff.js';
import { isUtf8, lossyText } from '../../io/utf8.js';
import { NameTable } from './nameTable.js';
import { CHARGED_ABSENT, ROW_REJECTED, type RowBatch, type SideRow, createRowBatch, growRowBatch, hashBytes } from './rowBatch.js';

const MS_PER_DAY = 86_400_000;
/** The last millisecond of year 9999, the latest instant parseTimestamp accepts. */
const MAX_EPOCH_MS = daysFromCivil(10000, 1, 1) * MS_PER_DAY - 1;
const MIN_EPOCH_MS = daysFromCivil(0, 1, 1) * MS_PER_DAY;
/** A cost below this many whole dollars is a safe integer in 10^-12 dollars. */
const MAX_SAFE_DOLLARS = 9006;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
const COMMA = 44;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;
const LF = Buffer.from([NEWLINE]);

const words = (list: readonly string[]) => list.map((w) => Buffer.from(w, 'latin1'));
const KEY_WORDS = words(KEY_RESULTS);
const PLATFORM_WORDS = words(PLATFORM_RESULTS);
const ROUTE_WORDS = words(ROUTES);

export interface RowScannerOptions {
  readonly file: string;
  readonly inputTimeZone?: string | undefined;
  /** The file's header when the scan starts after it (a worker's piece of a file). */
  readonly header?: LogHeader | undefined;
  /** Told the header when the scanner reads it. */
  readonly onHeader?: ((header: LogHeader) => void) | undefined;
  /** The longest record (default: DEFAULT_MAX_LINE_BYTES, io/readLimits.ts). */
  readonly maxLineBytes?: number | undefined;
  /**
   * Read the `provider` and `model` cells into the batches' `provider`/`model` columns
   * (numbered in the name table, as user and org ids are): only when a policy chooses fee
   * schedules by them, so a plain bill neither reads nor stores them.
   */
  readonly withFacts?: boolean | undefined;
}

/** Where a record with a quote character ends (quotedRecordEnd). */
type QuotedEnd =
  /** Its lines' byte ranges (start, end without CR, in pairs), the lines it spans and the offset after it. */
  | { readonly kind: 'record'; readonly bounds: readonly number[]; readonly lines: number; readonly next: number }
  /** Longer than the limit: the line ends passed, the quote characters up to `next`, and whether a line is still open there. */
  | { readonly kind: 'too-long'; readonly lines: number; readonly quotes: number; readonly next: number; readonly open: boolean };

/**
 * Reads request-log CSV bytes into row batches. A plain row (ASCII, no quote character,
 * the usual timestamp and decimal forms) is read straight from the bytes; every other
 * row is decoded and read by the same code the record-by-record reader uses (csv-parse for
 * quoted records, `rowToRequest` for the fields), so both paths refuse and accept exactly
 * the same rows with the same reasons. The fast path only decides what it is sure of.
 */
export class RowScanner {
  header: LogHeader | undefined;
  private line = 0;
  private atFileStart: boolean;
  private readonly names = new NameTable();
  /** Names numbered before the current batch (the batch reports the ones after). */
  private namesReported = 0;
  private commas = new Int32Array(64);
  private ms = 0;
  private ns = 0;
  // A BOM inside the file is text like any other (the record reader keeps it): only the file's first is dropped.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  /** The longest record read (its readers size what they hold by it). */
  readonly maxLineBytes: number;
  /**
   * Quote characters of an over-long record being skipped to its end: the first line end with
   * an even count (outside quotes). Undefined when no record is being skipped.
   */
  private skipQuotes: number | undefined;
  /** Whether the start of the input was looked at for NUL bytes (a piece of a file starts elsewhere). */
  private sniffed: boolean;

  /** The header's column positions as plain fields (read per row). */
  private columns: Columns | undefined;
  /** Whether rows' `provider` and `model` cells are read (RowScannerOptions.withFacts). */
  private readonly withFacts: boolean;

  constructor(private readonly options: RowScannerOptions) {
    this.header = options.header;
    this.columns = options.header === undefined ? undefined : columnsOf(options.header);
    this.atFileStart = options.header === undefined;
    this.sniffed = !this.atFileStart;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.withFacts = options.withFacts === true;
  }

  /** What stopped the scan of the file, once the rows before it were given. */
  private failure: InputError | undefined;

  /** Throws what stopped the scan, if anything did: after the last scan, the caller asks. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Whether the scan stopped inside an over-long record it is skipping: more bytes are needed to find its end. */
  get skipping(): boolean {
    return this.skipQuotes !== undefined;
  }

  /**
   * Scans the complete records at the start of `bytes` into a batch. Returns the batch and
   * how many bytes it consumed; the caller keeps the rest for the next call. With `final`
   * the bytes are the end of the input and everything is consumed.
   */
  scan(bytes: Buffer, final: boolean, limit = Number.POSITIVE_INFINITY): { batch: RowBatch; consumed: number } {
    this.throwIfFailed();
    if (!this.sniffed) {
      // The file's start is looked at for NUL bytes before any line is read (io/textSniff).
      if (bytes.length < SNIFF_BYTES && !final) return { batch: createRowBatch(bytes, 0, this.withFacts), consumed: 0 };
      assertText(bytes, this.options.file, 'CSV');
      this.sniffed = true;
    }
    const firstLine = this.line;
    const length = bytes.length;
    let pos = this.skipQuotes === undefined ? 0 : this.skipRecord(bytes, 0, final);
    // Request-log rows are rarely under 80 bytes; the batch grows if they are. Sized by what
    // is left after the rest of a refused over-long record: bytes only skipped hold no rows,
    // and a piece's batches may wait on another thread, so room for rows there would cost
    // memory in proportion to the record's length.
    const batch = createRowBatch(bytes, Math.ceil((length - pos) / 80) + 16, this.withFacts);
    const width = this.header === undefined ? 0 : this.header.width;
    const max = this.maxLineBytes;
    let commas = this.commas;
    if (commas.length < width + 1) commas = this.commas = new Int32Array(width + 1);
    // ASCII bytes without quotes (the usual log) are searched a word (4 bytes) at a time for
    // commas and line ends; quotes are found by the native search, row by row. Such bytes are
    // UTF-8: only rows with other bytes are checked (`high`).
    const ascii = isAscii(bytes);
    const base = bytes.byteOffset;
    const alignedFrom = (4 - (base & 3)) & 3;
    const words = ascii && length >= 8 ? new Int32Array(bytes.buffer, base + alignedFrom, (length - alignedFrom) >> 2) : undefined;
    const wordsEnd = words === undefined ? 0 : alignedFrom + words.length * 4;
    let nextQuote = bytes.indexOf(QUOTE);
    if (nextQuote === -1) nextQuote = length;
    try {
      while (pos < length && pos < limit) {
        // One pass over the line: where it ends, its commas, and whether it is plain ASCII without quotes.
        let n = 0;
        let plain = true;
        let high = false;
        let nl = pos;
        if (words !== undefined) {
          for (;;) {
            if (nl >= alignedFrom && nl < wordsEnd && ((nl - alignedFrom) & 3) === 0) {
              const w = words[(nl - alignedFrom) >> 2]!;
              const xn = w ^ 0x0a0a0a0a;
              const xc = w ^ 0x2c2c2c2c;
              // A zero byte in xn or xc: a line end or a comma in these four bytes.
              if ((((xn - 0x01010101) & ~xn) | ((xc - 0x01010101) & ~xc)) & 0x80808080) {
                // Look at them one by one (below).
              } else {
                nl += 4;
                continue;
              }
            }
            if (nl >= length) break;
            const c = bytes[nl]!;
            if (c === NEWLINE) break;
            if (c === COMMA) {
              if (n < width) commas[n] = nl;
              n++;
            }
            nl++;
          }
          if (nextQuote < pos) {
            nextQuote = bytes.indexOf(QUOTE, pos);
            if (nextQuote === -1) nextQuote = length;
          }
          if (nextQuote < nl) plain = false;
        } else {
          for (; nl < length; nl++) {
            const c = bytes[nl]!;
            if (c === NEWLINE) break;
            if (c === COMMA) {
              if (n < width) commas[n] = nl;
              n++;
            } else if (c >= 128) {
              plain = false;
              high = true;
            } else if (c === QUOTE) {
              plain = false;
            }
          }
        }
        const recordLine = this.line + 1;
        const bom = this.atFileStart && length - pos >= 3 && bytes[pos] === 0xef && bytes[pos + 1] === 0xbb && bytes[pos + 2] === 0xbf ? 3 : 0;
        const start = pos + bom;
        if (nl === length && !final) {
          // Without its line end yet: wait for it, unless the line is already past the limit
          // (n bytes without their end hold at least n - 1: a CR may end them).
          if (length - start < max + 2) break;
          this.atFileStart = false;
          this.refuseTooLong(batch, bytes, start, recordLine);
          this.skipQuotes = countQuoteBytes(bytes, start, length);
          pos = length;
          break;
        }
        this.atFileStart = false;
        const end = nl > start && bytes[nl - 1] === CR ? nl - 1 : nl;
        if (end === start) {
          this.line++;
          pos = nl + 1;
          continue; // a blank line is not a record
        }
        if (end - start > max) {
          this.refuseTooLong(batch, bytes, start, recordLine);
          this.line++;
          const quotes = countQuoteBytes(bytes, start, nl);
          pos = nl + 1;
          // A quoted field still open: the record goes on to where it closes, skipped unread.
          if (quotes % 2 === 1) {
            this.skipQuotes = quotes;
            pos = this.skipRecord(bytes, pos, final);
          }
          continue;
        }
        if (width > 0 && (plain || bytes.subarray(start, end).indexOf(QUOTE) === -1)) {
          if (batch.count === batch.capacity) growRowBatch(batch);
          if (!plain || n !== width - 1 || !this.plainRow(batch, bytes, start, end, recordLine)) {
            const row = bytes.subarray(start, end);
            if (high && !isUtf8(row)) {
              this.takeFault(batch, utf8Fault(row)!, row, recordLine, start, end);
            } else {
              const text = this.decoder.decode(row);
              this.takeSlow(batch, text.split(','), text, recordLine, start, end, false);
            }
          }
          this.line++;
          pos = nl + 1;
          continue;
        }
        // A record with a quote character may go on over further lines: find its end.
        if (bytes.subarray(start, end).indexOf(QUOTE) !== -1) {
          const closed = this.quotedRecordEnd(bytes, start, end, nl, final);
          if (closed === -1) break; // wait for more bytes
          this.line += closed.lines;
          pos = closed.next;
          if (closed.kind === 'too-long') {
            this.refuseTooLong(batch, bytes, start, recordLine);
            this.skipQuotes = closed.quotes;
            if (closed.quotes % 2 === 1 || closed.open) pos = this.skipRecord(bytes, pos, final);
            else this.skipQuotes = undefined;
            continue;
          }
          if (batch.count === batch.capacity) growRowBatch(batch);
          this.takeQuoted(batch, bytes, closed.bounds, recordLine, start, end, ascii);
          if (this.headerEnd !== -2) continue;
          this.headerEnd = Math.min(pos, length);
          return this.finishScan(batch, firstLine, pos, length, final, limit);
        }
        this.line++;
        pos = nl + 1;
        const row = bytes.subarray(start, end);
        if (high && !isUtf8(row)) throw headerFaultError(utf8Fault(row)!, this.options.file, recordLine, row);
        this.readHeader(this.decoder.decode(row).split(','));
        this.headerEnd = Math.min(pos, length);
        return this.finishScan(batch, firstLine, pos, length, final, limit);
      }
    } catch (error) {
      // Bad input that stops the file (malformed CSV, a bad header): the rows before it are
      // still given, as the record reader gives them; the next scan throws (throwIfFailed).
      if (!(error instanceof InputError)) throw error;
      this.failure = error;
      pos = length;
    }
    batch.lines = this.line - firstLine;
    batch.firstNewName = this.namesReported;
    batch.newNames = this.names.names.slice(this.namesReported);
    this.namesReported = this.names.names.length;
    return { batch, consumed: Math.min(pos, length) };
  }

  /** Once the header is read, the rest of the bytes are scanned knowing its width. */
  private finishScan(batch: RowBatch, firstLine: number, after: number, length: number, final: boolean, limit: number): { batch: RowBatch; consumed: number } {
    // A header that ends the input without a line end: past it is one byte past the bytes.
    const pos = Math.min(after, length);
    const rest = this.scan(Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset + pos, length - pos), final, limit - pos);
    // The header's batch has no rows: the rows are in the rest's batch, whose offsets start at `pos`.
    const lines = this.line - firstLine;
    rest.batch.lines = lines;
    shiftOffsets(rest.batch, pos);
    return { batch: rest.batch, consumed: pos + rest.consumed };
  }

  /** Lines the scanner has consumed. */
  get linesRead(): number {
    return this.line;
  }

  /** Counts lines from 0 again: the scanner goes on with another piece of the file. */
  startPiece(): void {
    this.line = 0;
    this.skipQuotes = undefined;
    this.failure = undefined;
  }

  /** Byte offset, in the bytes of the scan that read it, just after the header record. */
  headerEnd = -1;

  private readHeader(fields: string[]): void {
    this.headerEnd = -2; // the caller sets where the record ended
    this.header = readLogHeader(fields, this.options.file);
    this.columns = columnsOf(this.header);
    this.options.onHeader?.(this.header);
  }

  /**
   * Where a quoted record that starts on the line `start..end` ends: its lines' byte ranges,
   * the lines it spans and the offset after it; -1 when the bytes end before the record does
   * and more will come. Found on the bytes (a quote is ASCII): the text is decoded once, after.
   * A record longer than the limit (all its lines, without the line end that ends it) is
   * reported as soon as that is certain, so the rest of it is never held.
   */
  private quotedRecordEnd(bytes: Buffer, start: number, end: number, nl: number, final: boolean): QuotedEnd | -1 {
    const max = this.maxLineBytes;
    let quotes = countQuoteBytes(bytes, start, end);
    const bounds = [start, end];
    let lines = 1;
    let next = nl + 1;
    while (quotes % 2 === 1) {
      // The record goes on past the line end just read: it is at least this long already.
      if (next - start > max) return { kind: 'too-long', lines, quotes, next, open: false };
      // That line end is inside a quoted field: a CR before its LF is part of the value
      // (RFC 4180), so the line's range keeps it; only the record's own end drops a CR.
      bounds[bounds.length - 1] = next - 1;
      if (next >= bytes.length) {
        if (!final) return -1;
        throw new InputError({ file: this.options.file, line: this.line + 1 }, 'malformed CSV: a quoted field is never closed');
      }
      let lineNl = bytes.indexOf(NEWLINE, next);
      if (lineNl === -1) {
        if (!final) {
          if (bytes.length - start < max + 2) return -1;
          return { kind: 'too-long', lines, quotes: quotes + countQuoteBytes(bytes, next, bytes.length), next: bytes.length, open: true };
        }
        lineNl = bytes.length;
      }
      const lineEnd = lineNl > next && bytes[lineNl - 1] === CR ? lineNl - 1 : lineNl;
      quotes += countQuoteBytes(bytes, next, lineNl);
      bounds.push(next, lineEnd);
      lines++;
      next = lineNl + 1;
    }
    if (bounds[bounds.length - 1]! - start > max) return { kind: 'too-long', lines, quotes, next, open: false };
    return { kind: 'record', bounds, lines, next };
  }

  /**
   * Skips the rest of a refused over-long record from `from`: to the first line end with an
   * even count of quote characters since the record's start (or the input's end). Returns
   * where the scan goes on; `skipping` stays set when the bytes ended first.
   */
  private skipRecord(bytes: Buffer, from: number, final: boolean): number {
    let pos = from;
    for (;;) {
      const nl = bytes.indexOf(NEWLINE, pos);
      const stop = nl === -1 ? bytes.length : nl;
      this.skipQuotes! += countQuoteBytes(bytes, pos, stop);
      if (nl === -1) {
        if (final) {
          if (pos < bytes.length) this.line++;
          this.skipQuotes = undefined;
        }
        return bytes.length;
      }
      this.line++;
      pos = nl + 1;
      if (this.skipQuotes! % 2 === 0) {
        this.skipQuotes = undefined;
        return pos;
      }
    }
  }

  /** A record longer than the limit starting at `start`: refused (the header: the file), shown by its first bytes. */
  private refuseTooLong(batch: RowBatch, bytes: Buffer, start: number, line: number): void {
    const fault: RecordFault = { kind: 'too-long', maxLineBytes: this.maxLineBytes };
    const head = bytes.subarray(start, start + previewLength(this.maxLineBytes));
    if (this.header === undefined) throw headerFaultError(fault, this.options.file, line, head);
    if (batch.count === batch.capacity) growRowBatch(batch);
    this.takeFault(batch, fault, head, line, start, start);
  }

  /** A row refused as read (too long, not UTF-8): its reason, and its text as the record reader gives it. */
  private takeFault(batch: RowBatch, fault: RecordFault, bytes: Uint8Array, line: number, start: number, end: number): void {
    const i = batch.count++;
    batch.line[i] = line;
    batch.rowStart[i] = start;
    batch.rowEnd[i] = end;
    batch.status[i] = ROW_REJECTED;
    const { reason, column, columnName } = faultProblem(fault, this.header!);
    batch.side.set(i, { text: faultText(fault, bytes), problem: { reason, column, columnName } });
  }

  /** A whole quoted record: its lines (a CR inside the quotes kept) decoded and joined by `\n`, as the record reader builds its text. */
  private takeQuoted(batch: RowBatch, bytes: Buffer, bounds: readonly number[], line: number, start: number, end: number, ascii: boolean): void {
    const parts: Uint8Array[] = [];
    for (let k = 0; k < bounds.length; k += 2) parts.push(bytes.subarray(bounds[k]!, bounds[k + 1]!));
    if (!ascii && !parts.every((part) => isUtf8(part))) {
      const record = Buffer.concat(parts.flatMap((part, k) => (k === 0 ? [part] : [LF, part])));
      const fault = utf8Fault(record);
      // Not well-formed CSV either: refused as malformed, in the words csv-parse has for it.
      if (fault === undefined) parseQuotedRecord(lossyText(record), this.options.file, line);
      if (fault === undefined) throw new InputError({ file: this.options.file, line }, 'malformed CSV: the record could not be read');
      if (this.header === undefined) throw headerFaultError(fault, this.options.file, line, record);
      this.takeFault(batch, fault, record, line, start, end);
      return;
    }
    const text = parts.map((part) => this.decoder.decode(part)).join('\n');
    const fields = parseQuotedRecord(text, this.options.file, line);
    if (this.header === undefined) {
      this.readHeader(fields);
      return;
    }
    this.takeSlow(batch, fields, text, line, start, end, true);
  }

  /** Reads a plain ASCII row of the right width; false when any field needs the record reader. */
  private plainRow(batch: RowBatch, bytes: Buffer, start: number, end: number, line: number): boolean {
    const columns = this.columns!;
    const commas = this.commas;
    const last = columns.last;
    // Field j spans from after comma j-1 (or the row start) to comma j (or the row end).
    let c = columns.requestId;
    const idStart = c === 0 ? start : commas[c - 1]! + 1;
    const idEnd = c === last ? end : commas[c]!;
    if (idEnd === idStart) return false;
    c = columns.userId;
    const userStart = c === 0 ? start : commas[c - 1]! + 1;
    const userEnd = c === last ? end : commas[c]!;
    if (userEnd === userStart) return false;
    c = columns.timestamp;
    if (!this.timestamp(bytes, c === 0 ? start : commas[c - 1]! + 1, c === last ? end : commas[c]!)) return false;
    c = columns.costUsd;
    const cost = decimalUnits(bytes, c === 0 ? start : commas[c - 1]! + 1, c === last ? end : commas[c]!);
    if (cost < 0) return false;
    const index = columns;
    let key = ABSENT;
    c = index.keyResult;
    if (c !== -1) {
      const s = c === 0 ? start : commas[c - 1]! + 1;
      const e = c === last ? end : commas[c]!;
      if (e > s && (key = matchWord(bytes, s, e, KEY_WORDS)) < 0) return false;
      if (e === s) key = ABSENT;
    }
    let platform = ABSENT;
    c = index.platformResult;
    if (c !== -1) {
      const s = c === 0 ? start : commas[c - 1]! + 1;
      const e = c === last ? end : commas[c]!;
      if (e > s && (platform = matchWord(bytes, s, e, PLATFORM_WORDS)) < 0) return false;
      if (e === s) platform = ABSENT;
    }
    let recorded = ABSENT;
    c = index.route;
    if (c !== -1) {
      const s = c === 0 ? start : commas[c - 1]! + 1;
      const e = c === last ? end : commas[c]!;
      if (e > s && (recorded = matchWord(bytes, s, e, ROUTE_WORDS)) < 0) return false;
      if (e === s) recorded = ABSENT;
    }
    if (key === ABSENT && recorded === ABSENT) return false;
    // charged_usd is read only when the log has the column; a large one goes to the record reader.
    let charged = CHARGED_ABSENT;
    c = index.chargedUsd;
    if (c !== -1) {
      const s = c === 0 ? start : commas[c - 1]! + 1;
      const e = c === last ? end : commas[c]!;
      if (e > s && (charged = decimalUnits(bytes, s, e)) < 0) return false;
    }
    let org = -1;
    c = index.orgId;
    if (c !== -1) {
      const s = c === 0 ? start : commas[c - 1]! + 1;
      const e = c === last ? end : commas[c]!;
      if (e > s) org = this.names.intern(bytes, s, e);
    }
    if (this.withFacts) {
      // Interned as ids are (a few distinct values, each made text once); '' is -1.
      let provider = -1;
      c = index.provider;
      if (c !== -1) {
        const s = c === 0 ? start : commas[c - 1]! + 1;
        const e = c === last ? end : commas[c]!;
        if (e > s) provider = this.names.intern(bytes, s, e);
      }
      let model = -1;
      c = index.model;
      if (c !== -1) {
        const s = c === 0 ? start : commas[c - 1]! + 1;
        const e = c === last ? end : commas[c]!;
        if (e > s) model = this.names.intern(bytes, s, e);
      }
      batch.provider[batch.count] = provider;
      batch.model[batch.count] = model;
    }
    const i = batch.count++;
    batch.line[i] = line;
    batch.rowStart[i] = start;
    batch.rowEnd[i] = end;
    batch.idStart[i] = idStart;
    batch.idEnd[i] = idEnd;
    batch.idHash[i] = hashBytes(bytes, idStart, idEnd);
    batch.epochMs[i] = this.ms;
    batch.nanos[i] = this.ns;
    batch.user[i] = this.names.intern(bytes, userStart, userEnd);
    batch.org[i] = org;
    batch.key[i] = key;
    batch.platform[i] = platform;
    batch.recorded[i] = recorded;
    batch.cost[i] = cost;
    batch.charged[i] = charged;
    return true;
  }

  /** A row read through the record reader's own code (`rowToRequest`): same acceptance, same reasons. */
  private takeSlow(batch: RowBatch, fields: string[], text: string, line: number, start: number, end: number, textIsOwn: boolean): void {
    const i = batch.count++;
    batch.line[i] = line;
    batch.rowStart[i] = start;
    batch.rowEnd[i] = end;
    const side: SideRow = {};
    if (textIsOwn) side.text = text;
    batch.side.set(i, side);
    let request: UsageRequest;
    try {
      request = rowToRequest(fields, this.header!, { inputTimeZone: this.options.inputTimeZone });
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      batch.status[i] = ROW_REJECTED;
      side.problem = { reason: error.reason, column: error.column, columnName: error.columnName };
      return;
    }
    side.id = request.requestId;
    side.idBytes = this.encoder.encode(request.requestId);
    batch.idHash[i] = hashBytes(side.idBytes, 0, side.idBytes.length);
    batch.epochMs[i] = request.instant.epochMs;
    batch.nanos[i] = request.instant.nanos;
    batch.user[i] = this.names.internText(request.userId);
    batch.org[i] = request.orgId ? this.names.internText(request.orgId) : -1;
    if (this.withFacts) {
      batch.provider[i] = request.provider ? this.names.internText(request.provider) : -1;
      batch.model[i] = request.model ? this.names.internText(request.model) : -1;
    }
    batch.key[i] = request.keyResult === undefined ? ABSENT : KEY_CODE[request.keyResult];
    batch.platform[i] = request.platformResult === undefined ? ABSENT : PLATFORM_CODE[request.platformResult];
    batch.recorded[i] = request.recordedRoute === undefined ? ABSENT : ROUTE_CODE[request.recordedRoute];
    const units = request.cost.units * 10n ** BigInt(MAX_MONEY_FRACTION_DIGITS - request.cost.scale);
    if (units <= BigInt(Number.MAX_SAFE_INTEGER)) {
      batch.cost[i] = Number(units);
    } else {
      batch.cost[i] = Number.NaN;
      side.costBig = units;
    }
    if (request.charged === undefined) {
      batch.charged[i] = CHARGED_ABSENT;
    } else {
      const charged = request.charged.units * 10n ** BigInt(MAX_MONEY_FRACTION_DIGITS - request.charged.scale);
      if (charged <= BigInt(Number.MAX_SAFE_INTEGER)) batch.charged[i] = Number(charged);
      else {
        batch.charged[i] = Number.NaN;
        side.chargedBig = charged;
      }
    }
  }

  private readonly dateBytes = new Uint8Array(10);
  /** Days since 1970 of the date in `dateBytes`, NaN when it is not a date. */
  private dateDays = Number.NaN;

  /** Reads `YYYY-MM-DD` at `s` into the one-date cache; NaN when it is not a real date. */
  private readDate(b: Buffer, s: number): number {
    for (let k = 0; k < 10; k++) this.dateBytes[k] = b[s + k]!;
    const year = digits(b, s, 4);
    const month = digits(b, s + 5, 2);
    const day = digits(b, s + 8, 2);
    const valid = year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
    this.dateDays = valid ? daysFromCivil(year, month, day) : Number.NaN;
    return this.dateDays;
  }

  /**
   * The usual timestamp forms, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` and epoch
   * milliseconds, into `ms`/`ns`; false for anything else (parseTimestamp decides those).
   */
  private timestamp(b: Buffer, s: number, e: number): boolean {
    const n = e - s;
    if (n === 0) return false;
    if (b[s + 4] !== 45 /* - */) {
      if (n > 15) return false;
      let ms = 0;
      for (let i = s; i < e; i++) {
        const d = b[i]! - 48;
        if (d < 0 || d > 9) return false;
        ms = ms * 10 + d;
      }
      if (ms > MAX_EPOCH_MS) return false;
      this.ms = ms;
      this.ns = 0;
      return true;
    }
    if (n < 20 || b[s + 7] !== 45 || b[s + 10] !== 84 /* T */ || b[s + 13] !== 58 || b[s + 16] !== 58) return false;
    // Rows in time order share their date: read it once per day, not once per row.
    const cache = this.dateBytes;
    let days = this.dateDays;
    for (let k = 0; k < 10; k++) {
      if (cache[k] !== b[s + k]) {
        days = this.readDate(b, s);
        break;
      }
    }
    if (days !== days) return false;
    const hour = digits(b, s + 11, 2);
    const minute = digits(b, s + 14, 2);
    const second = digits(b, s + 17, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
    let i = s + 19;
    let fraction = 0;
    if (b[i] === 46 /* . */) {
      const from = ++i;
      while (i < e && b[i]! >= 48 && b[i]! <= 57) fraction = fraction * 10 + (b[i++]! - 48);
      const count = i - from;
      if (count === 0 || count > 9) return false;
      fraction *= POW10[9 - count]!;
    }
    let offsetMinutes = 0;
    const sign = b[i];
    if (sign === 90 /* Z */) {
      i++;
    } else if (sign === 43 /* + */ || sign === 45 /* - */) {
      if (e - i !== 6 || b[i + 3] !== 58) return false;
      const oh = digits(b, i + 1, 2);
      const om = digits(b, i + 4, 2);
      if (oh < 0 || om < 0 || om > 59) return false;
      offsetMinutes = oh * 60 + om;
      if (offsetMinutes > 18 * 60) return false;
      if (sign === 45) offsetMinutes = -offsetMinutes;
      i += 6;
    } else {
      return false;
    }
    if (i !== e) return false;
    const localMs = days * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000;
    const ms = localMs - offsetMinutes * 60_000 + Math.floor(fraction / 1_000_000);
    // An offset can carry year 0000 or 9999 out of range: parseTimestamp refuses it, with its reason.
    if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return false;
    this.ms = ms;
    this.ns = fraction % 1_000_000;
    return true;
  }
}

interface Columns {
  readonly last: number;
  readonly requestId: number;
  readonly timestamp: number;
  readonly userId: number;
  readonly orgId: number;
  readonly costUsd: number;
  readonly keyResult: number;
  readonly platformResult: number;
  readonly route: number;
  readonly chargedUsd: number;
  readonly provider: number;
  readonly model: number;
}

function columnsOf(header: LogHeader): Columns {
  const i = header.index;
  return {
    last: header.width - 1,
    requestId: i.request_id,
    timestamp: i.timestamp,
    userId: i.user_id,
    orgId: i.org_id,
    costUsd: i.cost_usd,
    keyResult: i.key_result,
    platformResult: i.platform_result,
    route: i.route,
    chargedUsd: i.charged_usd,
    provider: i.provider,
    model: i.model,
  };
}

/** Makes a batch's byte offsets count from `delta` bytes earlier (its bytes then start there). */
function shiftOffsets(batch: RowBatch, delta: number): void {
  for (let i = 0; i < batch.count; i++) {
    batch.rowStart[i]! += delta;
    batch.rowEnd[i]! += delta;
    batch.idStart[i]! += delta;
    batch.idEnd[i]! += delta;
  }
  (batch as { bytes: Uint8Array }).bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset - delta, batch.bytes.length + delta);
}

function digits(b: Buffer, s: number, count: number): number {
  let value = 0;
  for (let i = s; i < s + count; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function matchWord(b: Buffer, s: number, e: number, list: readonly Buffer[]): number {
  const n = e - s;
  outer: for (let w = 0; w < list.length; w++) {
    const word = list[w]!;
    if (word.length !== n) continue;
    for (let i = 0; i < n; i++) if (b[s + i] !== word[i]) continue outer;
    return w;
  }
  return -1;
}

/** A plain decimal below $9006 in 10^-12 dollars, or -1 when the record reader must read it. */
function decimalUnits(b: Buffer, s: number, e: number): number {
  let i = s;
  let whole = 0;
  while (i < e) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
    if (whole > MAX_SAFE_DOLLARS) return -1;
    i++;
  }
  if (i === s) return -1;
  let fraction = 0;
  let count = 0;
  if (i < e) {
    if (b[i] !== 46) return -1;
    i++;
    while (i < e) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return -1;
      fraction = fraction * 10 + d;
      i++;
      count++;
    }
    if (count === 0 || count > MAX_MONEY_FRACTION_DIGITS) return -1;
  }
  return whole * 1e12 + fraction * POW10[MAX_MONEY_FRACTION_DIGITS - count]!;
}
