import { Money, pow10 } from '../money/money.js';
import type { Rate } from '../money/rate.js';
import type { BillLine } from './billLine.js';
import { COST_SCALE, FEE_SCALE } from './lineAccumulator.js';
import type { LineColumns } from './lineColumns.js';

/**
 * An exact number of money units: a safe integer as a number (the common case, and no
 * allocation), or a bigint when it is larger.
 */
export type Units = number | bigint;

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** 10^n as numbers, exact for every n a scale here takes (n ≤ 22). */
const POW10: number[] = [1];
for (let n = 1; n <= 22; n++) POW10.push(POW10[n - 1]! * 10);

/** The exact sum at `index` of `columns`, as a number when it is one. */
export function unitsIn(columns: LineColumns, index: number): Units {
  return columns.isSmall(index) ? columns.values[index]! : columns.total(index);
}

/** a + b, exactly. */
export function plus(a: Units, b: Units): Units {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    // Both are safe integers ≥ 0: a sum past the safe range rounds to 2^53 or more.
    if (Number.isSafeInteger(sum)) return sum;
  }
  return BigInt(a) + BigInt(b);
}

/** a − b for a ≥ b ≥ 0, exactly. */
export function minus(a: Units, b: Units): Units {
  return typeof a === 'number' && typeof b === 'number' ? a - b : BigInt(a) - BigInt(b);
}

/** a × b for safe integers a, b ≥ 0 given as numbers, exactly. */
function times(a: Units, b: Units): Units {
  if (typeof a === 'number' && typeof b === 'number') {
    const product = a * b;
    // A product past the safe range rounds to 2^53 or more, never back into it.
    if (Number.isSafeInteger(product)) return product;
  }
  return BigInt(a) * BigInt(b);
}

/**
 * `units × 10^-scale` at the smallest scale that holds it: what
 * `new Money(units, scale).normalize()` gives, with the zeros dropped on a number when the
 * units are one (a bill of many lines builds four of these per line).
 */
export function normalizedMoney(units: Units, scale: number): Money {
  if (typeof units === 'bigint') {
    if (units < 0n || units > MAX_SAFE_BIG) return new Money(units, scale).normalize();
    units = Number(units);
  }
  if (units === 0) return Money.ZERO;
  let digits = units;
  let at = scale;
  // A safe integer divided by 10 when it ends in 0 is exact.
  while (at > 0 && digits % 10 === 0) {
    digits /= 10;
    at--;
  }
  return new Money(BigInt(digits), at);
}

/** The counts of a bill line. */
export interface LineCounts {
  readonly byokRequests: number;
  readonly freeRequests: number;
  readonly platformRequests: number;
  readonly failedRequests: number;
}

/**
 * A bill line from its counts and exact sums (units of 10^-`costScale` dollars): the fee is
 * the rate times the costs that pay it, the total that fee plus the list charges — the
 * amounts `LineAccumulator.toBillLine` states, normalised the same way.
 */
export function billLineOf(
  scope: string,
  period: string,
  counts: LineCounts,
  byokCostUsd: Money,
  platformCostUsd: Money,
  feeBase: Units,
  listCharge: Units,
  rate: Rate,
  costScale: number,
): BillLine {
  const rateUnits: Units = rate.units <= MAX_SAFE_BIG ? Number(rate.units) : rate.units;
  // Fee and total at the scale of cost × rate: the same values as at any finer scale.
  const fee = times(feeBase, rateUnits);
  const shift: Units = rate.scale < POW10.length ? POW10[rate.scale]! : pow10(rate.scale);
  const total = plus(fee, times(listCharge, shift));
  return {
    scope,
    period,
    byokRequests: counts.byokRequests,
    freeRequests: counts.freeRequests,
    billableRequests: counts.byokRequests - counts.freeRequests,
    byokCostUsd,
    feeUsd: normalizedMoney(fee, costScale + rate.scale),
    platformRequests: counts.platformRequests,
    platformCostUsd,
    failedRequests: counts.failedRequests,
    totalUsd: normalizedMoney(total, costScale + rate.scale),
  };
}

/** Costs (10^-12 $) to fees' scale (10^-24 $). */
const COST_TO_FEE = pow10(FEE_SCALE - COST_SCALE);

/**
 * A bill line whose fee is the exact sum of its requests' fees (`feeUnits`, 10^-24 $): a
 * line with pricing-language terms, stated as `LineAccumulator.toBillLine` states it.
 */
export function tieredBillLineOf(scope: string, period: string, counts: LineCounts, byokCostUsd: Money, platformCostUsd: Money, feeUnits: bigint, listCharge: Units): BillLine {
  return {
    scope,
    period,
    byokRequests: counts.byokRequests,
    freeRequests: counts.freeRequests,
    billableRequests: counts.byokRequests - counts.freeRequests,
    byokCostUsd,
    feeUsd: new Money(feeUnits, FEE_SCALE).normalize(),
    platformRequests: counts.platformRequests,
    platformCostUsd,
    failedRequests: counts.failedRequests,
    totalUsd: new Money(feeUnits + BigInt(listCharge) * COST_TO_FEE, FEE_SCALE).normalize(),
  };
}
