import { InputError } from '../io/inputError.js';
import { previewLength, tooLongReason } from '../io/readLimits.js';
import { escapeInvalidUtf8, utf8Prefix } from '../io/utf8.js';
import { type RawRecord, readRecordBytes } from './recordText.js';

/**
 * The records of one JSON document, as its bytes stream by: the elements of a top-level
 * array, or of the array under a top-level `"data"` key (the list API's shape), or the
 * document itself when it is one record. Each record is read alone, so the document never
 * sits in memory whole, and one longer than `maxRecordBytes` is refused and skipped as it
 * streams by (its start kept for the rejects file).
 *
 * The structure around the records (brackets, commas, keys, strings, literals) is checked
 * here, byte by byte; each record is then parsed by the import's JSON parser. Anything that
 * is not JSON stops the import at its line, as a document that does not parse always did.
 */
export class JsonDocumentSplitter {
  private line = 1;
  private atStart = true;
  private expect: Expect = 'value';
  private readonly stack: Frame[] = [];
  private root: 'array' | 'object' | 'number' | 'string' | 'boolean' | 'null' | undefined;
  private mode: Mode = 'normal';
  private stringIsKey = false;
  /** Whether the key being read is one of the top-level object's (the only keys that matter here). */
  private keepKey = false;
  private hexLeft = 0;
  private scalar = '';
  /** The raw text of the key being read in the top-level object (only there do keys matter). */
  private key = '';
  private readonly rootKeys = new Set<string>();
  private capture: Capture | undefined;
  private index = 0;
  private out: RawRecord[] = [];

  constructor(
    private readonly file: string,
    private readonly maxRecordBytes: number,
  ) {}

  /** Reads a chunk; the records it completed. */
  push(chunk: Buffer): RawRecord[] {
    let bytes = chunk;
    if (this.atStart && bytes.length > 0) {
      this.atStart = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (this.capture !== undefined) this.capture.from = 0;
    for (let i = 0; i < bytes.length; i++) i = this.step(bytes, i);
    if (this.capture !== undefined) this.keep(bytes, bytes.length, true);
    const out = this.out;
    this.out = [];
    return out;
  }

  /** The input ended: the last records, or why the document is not complete. */
  end(): RawRecord[] {
    if (this.mode === 'scalar') this.endScalar(Buffer.alloc(0), 0);
    if (this.mode !== 'normal') this.fail('the document ends inside a string');
    if (this.root === undefined) return this.out; // nothing but white space: no records
    if (this.expect !== 'end') this.fail('the document ends before it is complete');
    return this.out;
  }

  /** Takes the byte at `i`; returns the index of the last byte taken (a literal's end is read again). */
  private step(bytes: Buffer, i: number): number {
    if (this.mode === 'string' && !this.keepKey) {
      // Most of a document is strings: run to the next byte that matters in one loop.
      let j = i;
      for (let c = bytes[j]!; c !== 34 && c !== 92 && c >= 32; c = bytes[j]!) if (++j === bytes.length) return j - 1;
      i = j;
    } else if (this.mode === 'scalar') {
      let j = i;
      while (j < bytes.length && isScalarByte(bytes[j]!)) j++;
      if (this.scalar.length < 1024) this.scalar += bytes.toString('latin1', i, Math.min(j, i + 1024));
      if (j === bytes.length) return j - 1;
      this.endScalar(bytes, j);
      return j - 1; // the delimiter is read again, as structure
    }
    const c = bytes[i]!;
    if (this.mode === 'string') return this.stringByte(c, bytes, i);
    if (this.mode === 'escape') {
      if (c === 117 /* u */) {
        this.mode = 'unicode';
        this.hexLeft = 4;
      } else if (ESCAPES.has(c)) {
        this.mode = 'string';
      } else {
        this.fail(`invalid escape \\${String.fromCharCode(c)} in a string`);
      }
      if (this.keepKey) this.key += String.fromCharCode(c);
      return i;
    }
    if (this.mode === 'unicode') {
      if (!isHex(c)) this.fail('invalid \\u escape in a string');
      if (this.keepKey) this.key += String.fromCharCode(c);
      if (--this.hexLeft === 0) this.mode = 'string';
      return i;
    }
    return this.structure(c, bytes, i);
  }

  private structure(c: number, bytes: Buffer, i: number): number {
    if (c === 10) {
      this.line++;
      return i;
    }
    if (c === 32 || c === 9 || c === 13) return i;
    const top = this.stack[this.stack.length - 1];
    switch (this.expect) {
      case 'end':
        this.fail('unexpected text after the document (one record per line? name the file .jsonl, or give --input-format jsonl)');
        break;
      case 'colon':
        if (c !== 58 /* : */) this.unexpected(c);
        this.expect = 'value';
        break;
      case 'comma-or-close':
        if (c === 44 /* , */) this.expect = top!.array ? 'value' : 'key';
        else if (c === (top!.array ? 93 : 125)) this.close(bytes, i);
        else this.unexpected(c);
        break;
      case 'key-or-close':
        if (c === 125 /* } */) this.close(bytes, i);
        else this.startKey(c);
        break;
      case 'key':
        this.startKey(c);
        break;
      case 'value-or-close':
        if (c === 93 /* ] */) this.close(bytes, i);
        else this.startValue(c, bytes, i);
        break;
      case 'value':
        this.startValue(c, bytes, i);
        break;
    }
    return i;
  }

  private startKey(c: number): void {
    if (c !== 34 /* " */) this.unexpected(c);
    this.mode = 'string';
    this.stringIsKey = true;
    this.keepKey = this.stack.length === 1 && this.root === 'object';
    this.key = '';
  }

  private startValue(c: number, bytes: Buffer, i: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.root = c === 91 ? 'array' : c === 123 ? 'object' : c === 34 ? 'string' : c === 116 || c === 102 ? 'boolean' : c === 110 ? 'null' : 'number';
      // The whole document is a record unless its `data` array turns out to hold them.
      if (c === 123) this.startCapture(i, undefined);
    } else if (top.target) {
      this.startCapture(i, this.index++);
    }
    if (c === 123 /* { */) {
      this.stack.push({ array: false, target: false });
      this.expect = 'key-or-close';
    } else if (c === 91 /* [ */) {
      const target = top === undefined || (this.stack.length === 1 && this.root === 'object' && this.key === 'data');
      // A top-level object with a `data` array is a wrapper, not a record.
      if (target && top !== undefined) this.capture = undefined;
      this.stack.push({ array: true, target });
      this.expect = 'value-or-close';
    } else if (c === 34 /* " */) {
      this.mode = 'string';
      this.stringIsKey = false;
      this.keepKey = false;
    } else if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
      this.mode = 'scalar';
      this.scalar = String.fromCharCode(c);
    } else {
      this.unexpected(c);
    }
  }

  private stringByte(c: number, bytes: Buffer, i: number): number {
    if (c === 34 /* " */) {
      this.mode = 'normal';
      if (!this.stringIsKey) {
        this.valueEnded(bytes, i + 1);
        return i;
      }
      if (this.keepKey) {
        if (this.rootKeys.has(this.key)) this.fail(`duplicate key ${JSON.stringify(this.key)}`);
        this.rootKeys.add(this.key);
      }
      this.expect = 'colon';
      return i;
    }
    if (c === 92 /* \ */) this.mode = 'escape';
    else if (c < 32) this.fail(c === 10 ? 'a string runs on past the end of its line' : 'a control character in a string');
    if (this.keepKey && this.key.length < 1024) this.key += String.fromCharCode(c);
    return i;
  }

  private endScalar(bytes: Buffer, i: number): void {
    this.mode = 'normal';
    if (!SCALAR.test(this.scalar)) this.fail(`invalid value ${JSON.stringify(this.scalar.slice(0, 40))}`);
    this.valueEnded(bytes, i);
  }

  private close(bytes: Buffer, i: number): void {
    this.stack.pop();
    this.valueEnded(bytes, i + 1);
  }

  /** A value ended just before `end`: a record when it was the one being captured. */
  private valueEnded(bytes: Buffer, end: number): void {
    if (this.capture !== undefined && this.stack.length === this.capture.depth) this.finish(bytes, end);
    if (this.stack.length > 0) {
      this.expect = 'comma-or-close';
      return;
    }
    this.expect = 'end';
    if (this.root !== 'array' && this.root !== 'object') {
      throw new InputError({ file: this.file, line: 1 }, `expected an array of generation records, not ${this.root === 'number' ? 'a number' : this.root}`);
    }
  }

  private startCapture(at: number, index: number | undefined): void {
    this.capture = { line: this.line, index, depth: this.stack.length, from: at, parts: [], size: 0, head: undefined };
  }

  /**
   * Keeps the captured bytes of this chunk up to `end`; past the limit, only the record's
   * start. A view of the chunk while it is being read; a copy (`own`) when the record goes
   * on into the next chunk, as a stream may reuse its buffers.
   */
  private keep(bytes: Buffer, end: number, own = false): void {
    const capture = this.capture!;
    const part = bytes.subarray(capture.from, end);
    capture.from = end;
    if (capture.head !== undefined) {
      capture.size += part.length;
      return;
    }
    capture.parts.push(own ? Buffer.from(part) : part);
    capture.size += part.length;
    if (capture.size > this.maxRecordBytes) {
      capture.head = Buffer.concat(capture.parts).subarray(0, previewLength(this.maxRecordBytes));
      capture.parts = [];
    }
  }

  private finish(bytes: Buffer, end: number): void {
    this.keep(bytes, end);
    const capture = this.capture!;
    this.capture = undefined;
    const location = { file: this.file, line: capture.line, index: capture.index };
    if (capture.head !== undefined) {
      const text = escapeInvalidUtf8(utf8Prefix(capture.head, previewLength(this.maxRecordBytes)));
      this.out.push({ location, text, parsed: { ok: false, reason: tooLongReason(this.maxRecordBytes) } });
      return;
    }
    const read = readRecordBytes(capture.parts.length === 1 ? capture.parts[0]! : Buffer.concat(capture.parts));
    if (read.ok) {
      this.out.push({ location, text: read.text, parsed: { ok: true, value: read.value } });
      return;
    }
    if (read.syntax) {
      // Not JSON inside a record is a document that is not JSON: located at its line.
      const position = /position (\d+)/.exec(read.problem.reason);
      const line = capture.line + (position === null ? 0 : countNewlines(read.text, Number(position[1])));
      throw new InputError({ file: this.file, line }, read.problem.reason);
    }
    this.out.push({ location, text: read.text, parsed: { ok: false, reason: read.problem.reason, field: read.problem.field } });
  }

  private unexpected(c: number): never {
    this.fail(c >= 32 && c < 127 ? `unexpected ${JSON.stringify(String.fromCharCode(c))}` : `unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  }

  private fail(reason: string): never {
    throw new InputError({ file: this.file, line: this.line }, `not valid JSON: ${reason}`);
  }
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';
type Mode = 'normal' | 'string' | 'escape' | 'unicode' | 'scalar';

interface Frame {
  readonly array: boolean;
  /** Whether this array's elements are the records. */
  readonly target: boolean;
}

/** The record being read: where it starts, and its bytes so far (or, past the limit, its start). */
interface Capture {
  readonly line: number;
  readonly index: number | undefined;
  /** The depth of the stack it ends at. */
  readonly depth: number;
  /** Where its bytes start in the chunk being read. */
  from: number;
  parts: Buffer[];
  size: number;
  head: Buffer | undefined;
}

const ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]); // " \ / b f n r t
const SCALAR = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isScalarByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 43 || c === 45 || c === 46;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
