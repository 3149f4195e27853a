import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from './inputError.js';
import type { LogHeader } from './logColumns.js';
import { previewLength, tooLongReason } from './readLimits.js';
import { RowProblem } from './rowToRequest.js';
import { CR_ONLY_HINT } from './textSniff.js';
import { describeInvalidByte, escapeInvalidUtf8, firstInvalidUtf8, utf8Prefix } from './utf8.js';

/**
 * Why a CSV record is refused before its fields are read: it is longer than the limit, or
 * its bytes are not UTF-8. Both log readers (the record reader and the byte scanner) find
 * these at the byte level and describe them here, so they refuse the same records with the
 * same words, and the rejects file gets text that is itself valid UTF-8.
 */
export type RecordFault =
  | { readonly kind: 'too-long'; readonly maxLineBytes: number }
  /** `field` is 0-based; `position` 1-based, in bytes within the field's value. */
  | { readonly kind: 'utf8'; readonly field: number; readonly position: number; readonly byte: number };

/**
 * The first field of a record (its lines without CR, joined by LF) holding a byte that is
 * not UTF-8, found by reading the record as Latin-1: every byte one character, and the
 * CSV's structure (commas, quotes, line ends: ASCII) exactly as in UTF-8. Undefined when
 * the record is not well-formed CSV: the caller reports that instead, as for any record.
 */
export function utf8Fault(record: Uint8Array): RecordFault | undefined {
  const latin1 = Buffer.from(record.buffer, record.byteOffset, record.length).toString('latin1');
  let fields: string[];
  if (latin1.indexOf('"') === -1) {
    fields = latin1.split(',');
  } else {
    try {
      const rows = parseCsv(latin1, { relax_column_count: true, skip_empty_lines: false }) as string[][];
      if (rows.length !== 1) return undefined;
      fields = rows[0]!;
    } catch {
      return undefined;
    }
  }
  for (let field = 0; field < fields.length; field++) {
    const bytes = Buffer.from(fields[field]!, 'latin1');
    const at = firstInvalidUtf8(bytes);
    if (at !== -1) return { kind: 'utf8', field, position: at + 1, byte: bytes[at]! };
  }
  return undefined;
}

/** A data row's fault as the reason it is refused, in the field's column when there is one. */
export function faultProblem(fault: RecordFault, header: LogHeader): RowProblem {
  if (fault.kind === 'too-long') return new RowProblem(tooLongReason(fault.maxLineBytes));
  const name = fault.field < header.width ? header.names[fault.field] : undefined;
  return new RowProblem(`not valid UTF-8 (${describeInvalidByte(fault.byte, fault.position)})`, fault.field + 1, name);
}

/** A header's fault: the file cannot be read at all. `preview` is the start of the record's bytes. */
export function headerFaultError(fault: RecordFault, file: string, line: number, preview: Uint8Array): InputError {
  if (fault.kind === 'utf8') {
    return new InputError({ file, line, column: fault.field + 1 }, `the header is not valid UTF-8 (${describeInvalidByte(fault.byte, fault.position)})`);
  }
  return new InputError({ file, line }, `the header is longer than ${fault.maxLineBytes} bytes (--max-line-bytes)${crOnlyHint(preview)}`);
}

/** The CR_ONLY_HINT when the start of a record has a CR that no LF follows. */
function crOnlyHint(bytes: Uint8Array): string {
  const cr = bytes.indexOf(13);
  return cr !== -1 && cr + 1 < bytes.length && bytes[cr + 1] !== 10 ? `; ${CR_ONLY_HINT}` : '';
}

/** The text a refused record is shown with: the record, or its start when it is too long. */
export function faultText(fault: RecordFault, bytes: Uint8Array): string {
  return escapeInvalidUtf8(fault.kind === 'too-long' ? utf8Prefix(bytes, previewLength(fault.maxLineBytes)) : bytes);
}
