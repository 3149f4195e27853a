/** What kind of discrepancy an audit found. */
export const FINDING_KINDS = [
  'mismatch',
  'not-in-log',
  'not-invoiced',
  'route-mismatch',
  'wrong-charge',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** The wrong per-request charges a per-request audit recognises. */
export type WrongChargeKind =
  | 'fee inside the allowance'
  | 'no fee past the allowance'
  | 'fee at the wrong rate'
  | 'platform charge on a BYOK request'
  | 'wrong platform charge'
  | 'charge on a failed request';

/**
 * One discrepancy: for line findings the field compared; for request findings the request.
 * Money appears as exact decimal strings; `recomputedRounded` is the recomputed value as
 * the invoice should present it.
 */
export interface Finding {
  readonly kind: FindingKind;
  readonly scope: string;
  readonly period: string;
  readonly field?: string | undefined;
  readonly invoiced?: string | undefined;
  readonly recomputed?: string | undefined;
  readonly recomputedRounded?: string | undefined;
  /** invoiced − recomputed (exact). */
  readonly difference?: string | undefined;
  /** The likely cause, when one is recognisable. */
  readonly cause?: string | undefined;
  readonly requestId?: string | undefined;
  readonly ordinal?: number | null | undefined;
  readonly wrongCharge?: WrongChargeKind | undefined;
  /** Where the finding's evidence is (invoice line, or log file and line). */
  readonly source?: string | undefined;
}
