import { ByokError, type InvoiceLine, parseInvoiceRow } from '@byok-billing/core';
import { lineKey } from '@byok-billing/core/internal';
import { readHeaderNames } from './csvHeader.js';
import { csvRecords } from './csvRecords.js';
import { InputError } from './inputError.js';
import { inputSource } from './openInput.js';

/** Reads an invoice CSV (FORMATS.md "Invoice"); problems name line and column. */
export async function loadInvoiceFile(path: string, warn: (message: string) => void): Promise<InvoiceLine[]> {
  const source = inputSource(path);
  const lines: InvoiceLine[] = [];
  const seen = new Map<string, number>();
  let names: string[] | undefined;
  for await (const record of csvRecords(source.open(), source.name)) {
    if (names === undefined) {
      names = readHeaderNames(record.fields, path, record.line);
      for (const required of ['scope', 'period', 'total_usd']) {
        if (!names.includes(required)) throw new InputError({ file: path, line: record.line }, `missing required column ${required} (an invoice has scope,period,total_usd and optionally other bill columns)`);
      }
      const known = new Set(['scope', 'period', 'byok_requests', 'free_requests', 'billable_requests', 'byok_cost_usd', 'fee_usd', 'platform_requests', 'platform_cost_usd', 'failed_requests', 'total_usd']);
      const unknown = names.filter((n) => !known.has(n));
      if (unknown.length > 0) warn(`${path}: ignoring unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);
      continue;
    }
    if (record.fields.length !== names.length) {
      throw new InputError({ file: path, line: record.line }, `the row has ${record.fields.length} fields; the header has ${names.length}`);
    }
    const row: Record<string, string> = Object.create(null);
    names.forEach((name, i) => (row[name] = record.fields[i]!.trim()));
    let line: InvoiceLine;
    try {
      line = parseInvoiceRow(row, record.line);
    } catch (error) {
      if (!(error instanceof ByokError)) throw error;
      const column = error.field === undefined ? -1 : names.indexOf(error.field);
      throw new InputError({ file: path, line: record.line, column: column === -1 ? undefined : column + 1, columnName: error.field }, error.message);
    }
    const key = lineKey(line.scope, line.period);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new InputError({ file: path, line: record.line }, `${line.scope} ${line.period} is invoiced twice (also on line ${earlier})`);
    seen.set(key, record.line);
    lines.push(line);
  }
  // No record at all (an empty file, or only blank lines): the header is missing where it belongs, on line 1.
  if (names === undefined) throw new InputError({ file: path, line: 1 }, 'is empty; an invoice needs a header scope,period,total_usd');
  return lines;
}
