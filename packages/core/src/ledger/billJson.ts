import type { Money } from '../money/money.js';
import { BILL_AMOUNT_FIELDS, type Bill, type BillAmounts, MONEY_FIELDS } from './billLine.js';

/** A bill line's fields with money as exact decimal strings (FORMATS.md). */
export type BillAmountsJson = { [K in keyof BillAmounts]: BillAmounts[K] extends Money ? string : number };

export interface BillJson {
  readonly policy: { readonly id: string; readonly version: string; readonly sha256: string };
  readonly input: { readonly rows: number; readonly accepted: number; readonly rejected: number; readonly duplicates: number };
  readonly lines: readonly ({ readonly scope: string; readonly period: string } & BillAmountsJson)[];
  readonly totals: BillAmountsJson;
}

function amountsJson(amounts: BillAmounts): BillAmountsJson {
  const out: Record<string, string | number> = {};
  for (const field of BILL_AMOUNT_FIELDS) {
    const value = amounts[field];
    out[field] = MONEY_FIELDS.has(field) ? (value as Money).toString() : (value as number);
  }
  return out as BillAmountsJson;
}

/**
 * The bill in the JSON shape of FORMATS.md, fields in its order; money as canonical
 * exact decimal strings (`"0.0006"`, `"12.5"`, `"0"`): never numbers, never rounded.
 */
export function billToJson(bill: Bill): BillJson {
  return {
    policy: { id: bill.policy.id, version: bill.policy.version, sha256: bill.policy.sha256 },
    input: { rows: bill.input.rows, accepted: bill.input.accepted, rejected: bill.input.rejected, duplicates: bill.input.duplicates },
    lines: bill.lines.map((line) => ({ scope: line.scope, period: line.period, ...amountsJson(line) })),
    totals: amountsJson(bill.totals),
  };
}
