import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { InputError } from './inputError.js';

/** One physical line of a text input, without its line end. */
export interface PhysicalLine {
  /** 1-based. */
  readonly line: number;
  readonly text: string;
}

/**
 * The lines of a UTF-8 text stream, numbered as an editor shows them: LF or CRLF ends, a
 * leading BOM dropped. Streaming, so a month of log or JSON Lines never sits in memory as text.
 * Lines come in batches, one per chunk read: a step of an async iterator costs about as
 * much as reading a record, so a month of records should not take one step each.
 */
export async function* physicalLines(stream: Readable, file: string, kind: 'CSV' | 'JSON'): AsyncGenerator<PhysicalLine[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 0;
  let first = true;
  const clean = (raw: string): string => {
    let text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  };
  let checked = false;
  for await (const chunk of stream) {
    if (!checked) {
      // Text never holds NUL bytes; binary files (archives, spreadsheets) do early.
      checked = true;
      if ((chunk as Buffer).indexOf(0) !== -1) throw new InputError({ file, line: 1 }, `is not a ${kind} text file (it contains NUL bytes)`);
    }
    const text = carry + decoder.write(chunk as Buffer);
    const batch: PhysicalLine[] = [];
    let start = 0;
    let end = text.indexOf('\n');
    while (end !== -1) {
      batch.push({ line: ++line, text: clean(text.slice(start, end)) });
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    carry = text.slice(start);
    if (batch.length > 0) yield batch;
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) yield [{ line: ++line, text: clean(rest) }];
}
