import { physicalLines, type PhysicalLine } from '../io/physicalLines.js';
import { guardedBytes } from '../io/readFailure.js';
import { DEFAULT_MAX_LINE_BYTES, previewLength, tooLongReason } from '../io/readLimits.js';
import { SNIFF_BYTES, assertText } from '../io/textSniff.js';
import { escapeInvalidUtf8, utf8Prefix } from '../io/utf8.js';
import { JsonDocumentSplitter } from './jsonDocumentRecords.js';
import { isJsonObject } from './recordFields.js';
import { type RawRecord, parseJson, readRecordBytes, readRecordText } from './recordText.js';

export type { RawRecord } from './recordText.js';

/** How the input holds its records. `auto` looks at the text (see `detectFormat`). */
export const RECORD_INPUT_FORMATS = ['auto', 'jsonl', 'json'] as const;
export type RecordInputFormat = (typeof RECORD_INPUT_FORMATS)[number];

/** The format a file's name says; `auto` for standard input and other names. */
export function formatFromName(name: string): RecordInputFormat {
  const bare = name.replace(/\.gz$/i, '').toLowerCase();
  if (bare.endsWith('.jsonl') || bare.endsWith('.ndjson')) return 'jsonl';
  if (bare.endsWith('.json')) return 'json';
  return 'auto';
}

/**
 * The records of an input: JSON Lines (one record per line, blank lines skipped) or one
 * JSON document holding an array of records, `{"data": [...]}`, or a single record. Both
 * stream: no record is held past `maxRecordBytes` (a longer one is refused, its start kept)
 * and a document is split into its records as it is read. Records come in batches (one per
 * chunk read), in input order. A stream that fails (a broken .gz) is refused naming the
 * file (readFailure).
 */
export async function* readGenerationRecords(
  input: AsyncIterable<Uint8Array>,
  file: string,
  format: RecordInputFormat,
  maxRecordBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<RawRecord[]> {
  const stream = guardedBytes(input, file);
  const head = await readHead(stream, format === 'auto' ? maxRecordBytes : 0);
  assertText(head.bytes, file, 'JSON');
  const chosen = format === 'auto' ? detectFormat(head.bytes, maxRecordBytes) : format;
  const all = replayHead(head);
  if (chosen === 'jsonl') {
    for await (const lines of physicalLines(all, file, 'JSON', maxRecordBytes)) yield lineRecords(lines, file, maxRecordBytes);
    return;
  }
  const splitter = new JsonDocumentSplitter(file, maxRecordBytes);
  for await (const chunk of all) {
    const records = splitter.push(chunk as Buffer);
    if (records.length > 0) yield records;
  }
  const rest = splitter.end();
  if (rest.length > 0) yield rest;
}

/** The start of an input, read before anything else, and the rest of it. */
interface Head {
  readonly bytes: Buffer;
  readonly rest: AsyncIterator<Uint8Array>;
  readonly ended: boolean;
}

/**
 * Reads the first bytes: enough to look for NUL bytes (textSniff) and, when `lineBytes` is
 * not 0, to hold the first line that is not blank (up to that many bytes) for detectFormat.
 */
async function readHead(stream: AsyncIterable<Uint8Array>, lineBytes: number): Promise<Head> {
  const rest = stream[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    if (size >= SNIFF_BYTES && (lineBytes === 0 || firstLineKnown(chunks, lineBytes))) break;
    const next = await rest.next();
    if (next.done) return { bytes: Buffer.concat(chunks), rest, ended: true };
    chunks.push(next.value);
    size += next.value.length;
  }
  return { bytes: Buffer.concat(chunks), rest, ended: false };
}

/** Whether the first line with text has ended, or is known to be longer than `lineBytes`. */
function firstLineKnown(chunks: readonly Uint8Array[], lineBytes: number): boolean {
  const bytes = Buffer.concat(chunks);
  const first = firstTextAt(bytes);
  // Nothing but white space so far: past a record's length of it, JSON Lines (blank lines) it is.
  if (first === -1) return bytes.length > lineBytes + SNIFF_BYTES;
  if (bytes[first] === 91 /* [ */) return true;
  return bytes.indexOf(10, first) !== -1 || bytes.length - first > lineBytes;
}

/** The offset of the first byte that is not white space (after a BOM), or -1. */
function firstTextAt(bytes: Uint8Array): number {
  let i = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 32 || bytes[i] === 9 || bytes[i] === 10 || bytes[i] === 13)) i++;
  return i < bytes.length ? i : -1;
}

async function* replayHead(head: Head): AsyncGenerator<Uint8Array> {
  if (head.bytes.length > 0) yield head.bytes;
  if (head.ended) return;
  for (let next = await head.rest.next(); !next.done; next = await head.rest.next()) yield next.value;
}

/**
 * For standard input and unknown names: an array (`[`) is a document; a first line that is a
 * complete record makes JSON Lines; anything else (a pretty-printed document, `{"data": [...]}`
 * on one line, or a first line longer than a record may be) is read as one document.
 */
function detectFormat(head: Buffer, maxRecordBytes: number): 'jsonl' | 'json' {
  const first = firstTextAt(head);
  if (first === -1) return 'jsonl';
  if (head[first] === 91 /* [ */) return 'json';
  const nl = head.indexOf(10, first);
  const end = nl === -1 ? head.length : nl;
  if (end - first > maxRecordBytes) return 'json';
  try {
    const value = parseJson(head.subarray(first, end).toString('utf8'));
    return isJsonObject(value) && Array.isArray(value.data) ? 'json' : 'jsonl';
  } catch {
    return 'json';
  }
}

/** The records of JSON Lines: every line that is not blank. */
function lineRecords(lines: readonly PhysicalLine[], file: string, maxRecordBytes: number): RawRecord[] {
  const records: RawRecord[] = [];
  for (const line of lines) {
    const location = { file, line: line.line };
    if (line.tooLong !== undefined) {
      const text = escapeInvalidUtf8(utf8Prefix(line.tooLong.head, previewLength(maxRecordBytes)));
      records.push({ location, text, parsed: { ok: false, reason: tooLongReason(maxRecordBytes) } });
      continue;
    }
    if (line.invalid === undefined && line.text.trim() === '') continue;
    const read = line.invalid === undefined ? readRecordText(line.text) : readRecordBytes(line.invalid);
    records.push({ location, text: read.text, parsed: read.ok ? { ok: true, value: read.value } : { ok: false, reason: read.problem.reason, field: read.problem.field } });
  }
  return records;
}
