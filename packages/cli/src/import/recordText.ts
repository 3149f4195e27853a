import { parse } from 'lossless-json';
import { findJsonStructureProblem } from '../io/jsonStructure.js';
import { describeInvalidByte, escapeInvalidUtf8, firstInvalidUtf8, isUtf8 } from '../io/utf8.js';
import { parseFlatRecord } from './parseFlatRecord.js';
import { isJsonObject } from './recordFields.js';
import type { RecordLocation } from './recordProblem.js';

/**
 * lossless-json keeps every number as its source text (a LosslessNumber), so amounts are
 * never a JavaScript number on the way in. A record of the usual flat shape takes the fast
 * path, which gives the same value (see parseFlatRecord); it leaves any record with a key
 * twice or a prototype key to the full parser, and the structure check then refuses it:
 * a key twice is refused even with equal values (lossless-json lets those through), as
 * every JSON input the CLI reads refuses it (io/readJsonDocument.ts).
 */
export function parseJson(text: string): unknown {
  const fast = parseFlatRecord(text);
  if (fast !== undefined) return fast;
  const value = parse(text);
  const problem = findJsonStructureProblem(text, { exactNumbers: false });
  if (problem !== undefined) throw new RecordStructureError(`${problem.reason}, at position ${problem.offset + 1}`);
  return value;
}

/** A record that parses but says one thing twice, or names a prototype: refused, not read. */
class RecordStructureError extends Error {
  override readonly name = 'RecordStructureError';
}

/** One record as read: where it is, its source text, and its parsed value or why it is refused. */
export interface RawRecord {
  readonly location: RecordLocation;
  readonly text: string;
  readonly parsed: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string; readonly field?: string | undefined };
}

/** Why a record is refused before its fields are read, and the field at fault when there is one. */
export interface TextProblem {
  readonly reason: string;
  readonly field?: string | undefined;
}

/** What one record's bytes hold: its text and value, or why it is refused (`syntax`: it is not JSON). */
export type RecordRead =
  | { readonly ok: true; readonly text: string; readonly value: unknown }
  | { readonly ok: false; readonly text: string; readonly problem: TextProblem; readonly syntax: boolean };

/**
 * Reads one record's bytes. Bytes that are not UTF-8 are refused (they used to become
 * U+FFFD, so ids `g\xff` and `g\xfe` were one request), and so are strings with a lone
 * surrogate (`"g\ud800"` and `"g\udfff"` both became `g\uFFFD` when written): either would
 * make two records one.
 */
export function readRecordBytes(bytes: Uint8Array): RecordRead {
  if (!isUtf8(bytes)) return { ok: false, text: escapeInvalidUtf8(bytes), problem: utf8Problem(bytes), syntax: false };
  return readRecordText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
}

/** Reads one record's text (decoded from valid UTF-8): its value, or why it is refused. */
export function readRecordText(text: string): RecordRead {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    if (error instanceof RecordStructureError) return { ok: false, text, problem: { reason: error.message }, syntax: false };
    return { ok: false, text, problem: { reason: `not valid JSON: ${(error as Error).message}` }, syntax: true };
  }
  // A surrogate can only come from a \u escape: raw UTF-8 cannot encode one.
  const problem = text.includes('\\u') ? surrogateProblem(value) : undefined;
  return problem === undefined ? { ok: true, text, value } : { ok: false, text, problem, syntax: false };
}

/**
 * Where the first byte that is not UTF-8 is: the field whose key or string value holds it
 * (the record read as Latin-1, every byte one character), else the record's own position.
 */
function utf8Problem(bytes: Uint8Array): TextProblem {
  let value: unknown;
  try {
    value = parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'));
  } catch {
    value = undefined;
  }
  const found = value === undefined ? undefined : findString(value, undefined, invalidIn, (key) => escapeInvalidUtf8(Buffer.from(key, 'latin1')));
  if (found !== undefined) return { reason: `not valid UTF-8 (${found.what})`, field: found.field };
  const at = firstInvalidUtf8(bytes);
  return { reason: `not valid UTF-8 (${describeInvalidByte(bytes[at]!, at + 1)} of the record)` };
}

function invalidIn(latin1: string): string | undefined {
  const bytes = Buffer.from(latin1, 'latin1');
  const at = firstInvalidUtf8(bytes);
  return at === -1 ? undefined : describeInvalidByte(bytes[at]!, at + 1);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function surrogateProblem(value: unknown): TextProblem | undefined {
  const found = findString(value, undefined, (s) => {
    const match = LONE_SURROGATE.exec(s);
    return match === null ? undefined : `a lone surrogate \\u${match[0].charCodeAt(0).toString(16)} at character ${match.index + 1}`;
  }, (key) => JSON.stringify(key).slice(1, -1));
  if (found === undefined) return undefined;
  return { reason: `${found.field ?? 'the record'} is not a valid Unicode string (${found.what})`, field: found.field };
}

type Check = (s: string) => string | undefined;

/**
 * The first key or string value (depth first, in order) that `check` finds wrong, with the
 * key it is under (`showKey` writes it as valid text): the field as the record names it.
 */
function findString(value: unknown, field: string | undefined, check: Check, showKey: (key: string) => string): { field: string | undefined; what: string } | undefined {
  if (typeof value === 'string') {
    const what = check(value);
    return what === undefined ? undefined : { field, what };
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findString(item, field, check, showKey);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isJsonObject(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const inKey = check(key);
    if (inKey !== undefined) return { field: showKey(key), what: `${inKey} of the key` };
    const found = findString(item, showKey(key), check, showKey);
    if (found !== undefined) return found;
  }
  return undefined;
}
