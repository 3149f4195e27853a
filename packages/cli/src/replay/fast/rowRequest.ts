import type { UsageRequest } from '@byok-billing/core';
import { parseQuotedRecord } from '../../io/csvRecords.js';
import type { LogHeader } from '../../io/logColumns.js';
import { rowToRequest } from '../../io/rowToRequest.js';
import { type RowBatch, rowText } from './rowBatch.js';

/**
 * A scanned row read again by the record reader, as a whole request: its text parsed as
 * the full CSV parser parses it (a row kept with its text had quotes or other bytes the
 * scanner leaves to it) and checked by rowToRequest, the one row parser. For a listener
 * that needs every field of a decided row (a repeated id's comparison, a load into a
 * database), not only the numbers the fast replay keeps.
 */
export function rowRequest(batch: RowBatch, row: number, header: LogHeader, file: string, line: number, inputTimeZone: string | undefined): UsageRequest {
  const text = rowText(batch, row);
  const quoted = batch.side.get(row)?.text !== undefined;
  const fields = quoted ? parseQuotedRecord(text, file, line) : text.split(',');
  return rowToRequest(fields, header, { inputTimeZone });
}
