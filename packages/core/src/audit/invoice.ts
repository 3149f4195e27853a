import { InvalidRequestError } from '../errors.js';
import type { Money } from '../money/money.js';
import { parseMoney } from '../money/parseMoney.js';
import { BILL_AMOUNT_FIELDS, type BillAmounts, MONEY_FIELDS } from '../ledger/billLine.js';
import { isScope } from '../scope/scope.js';
import { parsePeriod } from '../time/periodCalendar.js';

export type BillField = (typeof BILL_AMOUNT_FIELDS)[number];

/** camelCase bill field of an invoice's snake_case column, e.g. `fee_usd` → `feeUsd`. */
export const INVOICE_COLUMNS: ReadonlyMap<string, BillField> = new Map(
  BILL_AMOUNT_FIELDS.map((f) => [f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), f]),
);

export type InvoiceValue = { readonly kind: 'money'; readonly value: Money; readonly text: string } | { readonly kind: 'count'; readonly value: number; readonly text: string };

/** One invoiced line: the columns the invoice has, parsed. */
export interface InvoiceLine {
  readonly scope: string;
  readonly period: string;
  readonly values: ReadonlyMap<BillField, InvoiceValue>;
  /** Caller's tag for messages (the CSV line number). */
  readonly source?: number | undefined;
}

/**
 * Reads one invoice row given as column → text (FORMATS.md "Invoice": `scope,period,
 * total_usd` and optionally any other bill column). Throws `InvalidRequestError` naming
 * the column of the problem.
 */
export function parseInvoiceRow(row: Readonly<Record<string, string>>, source?: number): InvoiceLine {
  const scope = row.scope ?? '';
  if (!isScope(scope)) throw new InvalidRequestError(`scope ${JSON.stringify(scope)} is not org:<id> or user:<id>`, 'scope');
  const period = row.period ?? '';
  try {
    parsePeriod(period);
  } catch {
    throw new InvalidRequestError(`period ${JSON.stringify(period)} is not YYYY-MM`, 'period');
  }
  const values = new Map<BillField, InvoiceValue>();
  for (const [column, field] of INVOICE_COLUMNS) {
    const text = row[column];
    if (text === undefined) continue;
    if (MONEY_FIELDS.has(field)) {
      values.set(field, { kind: 'money', value: parseMoney(text, { allowNegative: true, field: column }), text });
    } else {
      if (!/^\d+$/.test(text)) throw new InvalidRequestError(`${column} ${JSON.stringify(text)} is not a whole number`, column);
      values.set(field, { kind: 'count', value: Number(text), text });
    }
  }
  if (!values.has('totalUsd')) throw new InvalidRequestError('total_usd is required', 'total_usd');
  return { scope, period, values, source };
}

export type { BillAmounts };
