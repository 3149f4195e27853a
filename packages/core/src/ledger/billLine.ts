import type { Money } from '../money/money.js';
import type { Scope } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';

/** The numeric fields of a bill line, also the shape of the totals (FORMATS.md "Bill"). */
export interface BillAmounts {
  readonly byokRequests: number;
  readonly freeRequests: number;
  readonly billableRequests: number;
  /** List cost of the BYOK requests (what the provider would have been paid on the platform). */
  readonly byokCostUsd: Money;
  readonly feeUsd: Money;
  readonly platformRequests: number;
  readonly platformCostUsd: Money;
  readonly failedRequests: number;
  /** Fees plus platform charges. */
  readonly totalUsd: Money;
}

/** One scope in one period. */
export interface BillLine extends BillAmounts {
  readonly scope: Scope;
  readonly period: Period;
}

/** How the input rows were accounted for: rows = accepted + duplicates + rejected. */
export interface InputSummary {
  readonly rows: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
}

export interface Bill {
  readonly policy: { readonly id: string; readonly version: string; readonly sha256: string };
  readonly input: InputSummary;
  /** Sorted by scope (UTF-8 byte order), then period. */
  readonly lines: readonly BillLine[];
  readonly totals: BillAmounts;
  /** Requests whose recorded route differs from the route their failover mode gives. */
  readonly routeMismatches: number;
}

/** Only the named fields, in FORMATS.md's order: the contract of every output format. */
export const BILL_AMOUNT_FIELDS = [
  'byokRequests',
  'freeRequests',
  'billableRequests',
  'byokCostUsd',
  'feeUsd',
  'platformRequests',
  'platformCostUsd',
  'failedRequests',
  'totalUsd',
] as const satisfies readonly (keyof BillAmounts)[];

export const MONEY_FIELDS: ReadonlySet<string> = new Set(['byokCostUsd', 'feeUsd', 'platformCostUsd', 'totalUsd']);
