import type { Readable } from 'node:stream';
import { isLosslessNumber, parse } from 'lossless-json';
import { InputError } from '../io/inputError.js';
import { type PhysicalLine, physicalLines } from '../io/physicalLines.js';
import { recordArraySpans } from './recordArraySpans.js';
import { parseFlatRecord } from './parseFlatRecord.js';
import { isJsonObject } from './recordFields.js';
import type { RecordLocation } from './recordProblem.js';

/** How the input holds its records. `auto` looks at the text (see `detectFormat`). */
export const RECORD_INPUT_FORMATS = ['auto', 'jsonl', 'json'] as const;
export type RecordInputFormat = (typeof RECORD_INPUT_FORMATS)[number];

/** One record as read: where it is, its source text, and its parsed value or why it does not parse. */
export interface RawRecord {
  readonly location: RecordLocation;
  readonly text: string;
  readonly parsed: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };
}

/**
 * lossless-json keeps every number as its source text (a LosslessNumber), so amounts are
 * never a JavaScript number on the way in; duplicate keys with different values are a
 * syntax error (its default), which is right for a billing record. A record of the usual
 * flat shape takes the fast path, which gives the same value (see parseFlatRecord).
 */
function parseJson(text: string): unknown {
  return parseFlatRecord(text) ?? parse(text);
}

/** The format a file's name says; `auto` for standard input and other names. */
export function formatFromName(name: string): RecordInputFormat {
  const bare = name.replace(/\.gz$/i, '').toLowerCase();
  if (bare.endsWith('.jsonl') || bare.endsWith('.ndjson')) return 'jsonl';
  if (bare.endsWith('.json')) return 'json';
  return 'auto';
}

/**
 * The records of an input: JSON Lines (one record per line, blank lines skipped) or one
 * JSON document holding an array of records, `{"data": [...]}`, or a single record.
 * JSON Lines stream; a document is read whole (a JSON parser needs all of it). Records
 * come in batches (for JSON Lines, one per chunk read), in input order.
 */
export async function* readGenerationRecords(stream: Readable, file: string, format: RecordInputFormat): AsyncGenerator<RawRecord[]> {
  const batches = physicalLines(stream, file, 'JSON')[Symbol.asyncIterator]();
  // The lines up to the first that is not blank, and the rest of its batch: that line
  // decides the format when it is `auto`.
  const head: PhysicalLine[] = [];
  let first: PhysicalLine | undefined;
  while (first === undefined) {
    const next = await batches.next();
    if (next.done) return; // nothing but blank lines: no records
    for (const line of next.value) {
      if (first === undefined && line.text.trim() !== '') first = line;
      head.push(line);
    }
  }
  const chosen = format === 'auto' ? detectFormat(first.text) : format;
  if (chosen === 'jsonl') {
    yield lineRecords(head, file);
    for (let next = await batches.next(); !next.done; next = await batches.next()) yield lineRecords(next.value, file);
    return;
  }
  const parts = head.map((l) => l.text);
  for (let next = await batches.next(); !next.done; next = await batches.next()) {
    for (const line of next.value) parts.push(line.text);
  }
  yield [...documentRecords(parts.join('\n'), file)];
}

/**
 * For standard input and unknown names: an array (`[`) is a document; a first line that is a
 * complete record makes JSON Lines; anything else (a pretty-printed document, or
 * `{"data": [...]}` on one line) is read as one document.
 */
function detectFormat(firstLine: string): 'jsonl' | 'json' {
  const trimmed = firstLine.trimStart();
  if (trimmed.startsWith('[')) return 'json';
  try {
    const value = parseJson(firstLine);
    return isJsonObject(value) && Array.isArray(value.data) ? 'json' : 'jsonl';
  } catch {
    return 'json';
  }
}

function lineRecords(lines: readonly PhysicalLine[], file: string): RawRecord[] {
  const records: RawRecord[] = [];
  for (const line of lines) {
    if (line.text.trim() === '') continue;
    const location = { file, line: line.line };
    try {
      records.push({ location, text: line.text, parsed: { ok: true, value: parseJson(line.text) } });
    } catch (error) {
      records.push({ location, text: line.text, parsed: { ok: false, reason: `not valid JSON: ${(error as Error).message}` } });
    }
  }
  return records;
}

function* documentRecords(text: string, file: string): Generator<RawRecord> {
  let document: unknown;
  try {
    document = parseJson(text);
  } catch (error) {
    // The whole document is unreadable: no record can be located, so no --rejects either.
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position === null ? undefined : lineAt(text, Number(position[1]));
    const hint = /Expected end of input/.test(message) ? ' (one record per line? name the file .jsonl, or give --input-format jsonl)' : '';
    throw new InputError({ file, line }, `not valid JSON: ${message}${hint}`);
  }
  let records: unknown[];
  if (Array.isArray(document)) records = document;
  else if (isJsonObject(document) && Array.isArray(document.data)) records = document.data;
  else if (isJsonObject(document)) {
    yield { location: { file, line: firstLineOf(text) }, text: text.trim(), parsed: { ok: true, value: document } };
    return;
  } else {
    throw new InputError({ file, line: 1 }, `expected an array of generation records, not ${isLosslessNumber(document) ? 'a number' : typeof document}`);
  }
  const spans = recordArraySpans(text);
  // The scan and the parser agree on valid JSON; if they ever did not, locate by index alone.
  const located = spans.length === records.length;
  for (let index = 0; index < records.length; index++) {
    const span = located ? spans[index]! : undefined;
    yield {
      location: { file, line: span?.line ?? 1, index },
      text: span === undefined ? '' : text.slice(span.start, span.end),
      parsed: { ok: true, value: records[index] },
    };
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function firstLineOf(text: string): number {
  const start = text.search(/\S/);
  return start < 0 ? 1 : lineAt(text, start);
}
