import { DEFAULT_MAX_LINE_BYTES, previewLength } from './readLimits.js';
import { assertText, SNIFF_BYTES } from './textSniff.js';
import { isUtf8, lossyText } from './utf8.js';

/** One physical line of a text input, without its line end. */
export interface PhysicalLine {
  /** 1-based. */
  readonly line: number;
  /** The line's text (the BOM dropped from the first); '' for a line longer than the limit. */
  readonly text: string;
  /** Whether the line ended in CRLF: its stored bytes hold a CR that `text` does not. */
  readonly cr: boolean;
  /** The line's bytes (without its line end) when they are not UTF-8; `text` is then only for messages. */
  readonly invalid?: Uint8Array | undefined;
  /** A line longer than the limit is not kept: only its first bytes, and how many quote characters it had. */
  readonly tooLong?: TooLongLine | undefined;
}

export interface TooLongLine {
  readonly head: Uint8Array;
  readonly quotes: number;
}

const NEWLINE = 10;
const CR = 13;
const QUOTE = 34;

/**
 * The lines of a UTF-8 text stream, numbered as an editor shows them: LF or CRLF ends, a
 * leading BOM dropped. Streaming, so a month of log or JSON Lines never sits in memory as
 * text, and no line is held past `maxLineBytes`: a longer one is skipped to its end as it
 * streams by (its start and quote count kept), so memory stays bounded whatever the input.
 * Lines come in batches, one per chunk read: a step of an async iterator costs about as
 * much as reading a record, so a month of records should not take one step each.
 */
export async function* physicalLines(
  stream: AsyncIterable<Uint8Array>,
  file: string,
  kind: 'CSV' | 'JSON',
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<PhysicalLine[]> {
  const splitter = new LineSplitter(maxLineBytes);
  // The start of the input is looked at for NUL bytes before any line is read (textSniff).
  let head: Buffer[] | undefined = [];
  let headBytes = 0;
  for await (const chunk of stream) {
    let bytes = chunk as Buffer;
    if (head !== undefined) {
      head.push(bytes);
      headBytes += bytes.length;
      if (headBytes < SNIFF_BYTES) continue;
      bytes = Buffer.concat(head);
      head = undefined;
      assertText(bytes, file, kind);
    }
    const batch = splitter.push(bytes);
    if (batch.length > 0) yield batch;
  }
  if (head !== undefined) {
    const bytes = Buffer.concat(head);
    assertText(bytes, file, kind);
    const batch = splitter.push(bytes);
    if (batch.length > 0) yield batch;
  }
  const rest = splitter.end();
  if (rest.length > 0) yield rest;
}

/** Cuts bytes into lines as they arrive (see physicalLines). */
class LineSplitter {
  private line = 0;
  private atStart = true;
  /** The bytes of the line still open, in the pieces they came in (joined once its end arrives). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The line being skipped because it is too long. */
  private skipping: { head: Uint8Array; quotes: number } | undefined;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): PhysicalLine[] {
    const out: PhysicalLine[] = [];
    let bytes = chunk;
    if (this.atStart) {
      this.atStart = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    let pos = 0;
    if (this.skipping !== undefined) {
      const nl = bytes.indexOf(NEWLINE);
      this.skipping.quotes += countQuoteBytes(bytes, 0, nl === -1 ? bytes.length : nl);
      if (nl === -1) return out;
      out.push(this.skipped());
      pos = nl + 1;
    }
    const lastNl = bytes.lastIndexOf(NEWLINE);
    if (lastNl >= pos) {
      const complete = bytes.subarray(pos, lastNl + 1);
      this.block(this.carryBytes === 0 ? complete : Buffer.concat([...this.carry, complete]), out);
      this.carry = [];
      this.carryBytes = 0;
      pos = lastNl + 1;
    }
    if (pos < bytes.length) this.keep(bytes.subarray(pos));
    return out;
  }

  /** The last line, when the input does not end with a line end. */
  end(): PhysicalLine[] {
    if (this.skipping !== undefined) return [this.skipped()];
    if (this.carryBytes === 0) return [];
    const out: PhysicalLine[] = [];
    this.lineOfBytes(Buffer.concat(this.carry), out);
    this.carry = [];
    this.carryBytes = 0;
    return out;
  }

  /** Keeps the start of a line whose end has not arrived; past the limit, the line is skipped instead. */
  private keep(piece: Buffer): void {
    this.carry.push(piece);
    this.carryBytes += piece.length;
    // Without its line end, a line of n bytes has at least n - 1 (a CR may end it): past the limit for sure.
    if (this.carryBytes < this.maxLineBytes + 2) return;
    const bytes = Buffer.concat(this.carry);
    this.skipping = { head: Buffer.from(bytes.subarray(0, previewLength(this.maxLineBytes))), quotes: countQuoteBytes(bytes, 0, bytes.length) };
    this.carry = [];
    this.carryBytes = 0;
  }

  private skipped(): PhysicalLine {
    const tooLong = this.skipping!;
    this.skipping = undefined;
    return { line: ++this.line, text: '', cr: false, tooLong };
  }

  /** Lines that each end with LF. Valid UTF-8 (nearly always) is decoded at once. */
  private block(bytes: Buffer, out: PhysicalLine[]): void {
    if (isUtf8(bytes)) {
      const text = bytes.toString('utf8');
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        this.lineOfText(text.slice(start, end), out);
        start = end + 1;
      }
      return;
    }
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      this.lineOfBytes(bytes.subarray(start, end), out);
      start = end + 1;
    }
  }

  private lineOfText(raw: string, out: PhysicalLine[]): void {
    const cr = raw.charCodeAt(raw.length - 1) === CR;
    const text = cr ? raw.slice(0, -1) : raw;
    // A UTF-16 unit is at most 3 bytes: only a line that may be too long is measured.
    if (text.length * 3 > this.maxLineBytes && Buffer.byteLength(text) > this.maxLineBytes) {
      this.lineOfBytes(Buffer.from(raw), out);
      return;
    }
    out.push({ line: ++this.line, text, cr });
  }

  private lineOfBytes(raw: Uint8Array, out: PhysicalLine[]): void {
    const cr = raw.length > 0 && raw[raw.length - 1] === CR;
    const content = cr ? raw.subarray(0, raw.length - 1) : raw;
    const line = ++this.line;
    if (content.length > this.maxLineBytes) {
      const head = Buffer.from(content.subarray(0, previewLength(this.maxLineBytes)));
      out.push({ line, text: '', cr, tooLong: { head, quotes: countQuoteBytes(content, 0, content.length) } });
    } else if (isUtf8(content)) {
      out.push({ line, text: Buffer.from(content.buffer, content.byteOffset, content.length).toString('utf8'), cr });
    } else {
      const invalid = Buffer.from(content);
      out.push({ line, text: lossyText(invalid), cr, invalid });
    }
  }
}

/** Quote characters (`"`) in `bytes[start..end)`: their parity says whether a quoted field is still open. */
export function countQuoteBytes(bytes: Uint8Array, start: number, end: number): number {
  // Searched within the range only: the next quote may be far past it (a quoted field over
  // many lines), and searching up to it for every line made such a field cost its square.
  const range = bytes.subarray(start, end);
  let n = 0;
  for (let i = range.indexOf(QUOTE); i !== -1; i = range.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/** The bytes a line holds in storage, without its LF (with the CR of a CRLF end). */
export function storedLength(line: PhysicalLine): number {
  const content = line.invalid !== undefined ? line.invalid.length : Buffer.byteLength(line.text);
  return content + (line.cr ? 1 : 0);
}

/** The line's stored bytes (without its LF), for the start of a refused record. */
export function storedBytes(line: PhysicalLine): Uint8Array {
  if (line.tooLong !== undefined) return line.tooLong.head;
  const content = line.invalid ?? Buffer.from(line.text, 'utf8');
  return line.cr ? Buffer.concat([content, Buffer.from([CR])]) : content;
}
