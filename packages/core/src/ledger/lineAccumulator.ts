import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS } from '../money/rate.js';
import { Money, pow10 } from '../money/money.js';
import type { Rate } from '../money/rate.js';
import type { FailoverMode } from '../routing/routeTypes.js';
import type { PolicyVersion } from '../policy/policyTypes.js';
import type { BillLine } from './billLine.js';

/** Costs are summed as integers at the finest scale a cost can have. */
export const COST_SCALE = MAX_MONEY_FRACTION_DIGITS;
/** Fees (cost × rate) are summed at the finest scale a fee can have. */
export const FEE_SCALE = MAX_MONEY_FRACTION_DIGITS + MAX_RATE_FRACTION_DIGITS;

/** `amount` as integer units at `scale` (which is never finer than the amount allows). */
export function unitsAt(amount: Money, scale: number): bigint {
  return amount.scale === scale ? amount.units : amount.units * pow10(scale - amount.scale);
}

/** A rate as the integer that multiplies cost units (scale 12) into fee units (scale 24). */
export function feeFactor(rate: Rate): bigint {
  return rate.units * pow10(MAX_RATE_FRACTION_DIGITS - rate.scale);
}

/**
 * The running sums of one bill line. Money is summed as bigint units at fixed scales,
 * so a sum never allocates a decimal per request and is exact in any order.
 */
export class LineAccumulator {
  byokRequests = 0;
  freeRequests = 0;
  billableRequests = 0;
  byokCostUnits = 0n;
  feeUnits = 0n;
  platformRequests = 0;
  platformCostUnits = 0n;
  failedRequests = 0;
  /** List-cost charges (scale 12); the total is these plus the fees. */
  listChargeUnits = 0n;
  /** Requests counted toward the allowance so far: the last ordinal given. */
  counted = 0;

  constructor(
    readonly scope: string,
    readonly period: string,
    readonly version: PolicyVersion,
    readonly allowance: number,
    readonly failoverMode: FailoverMode,
  ) {}

  toBillLine(): BillLine {
    return {
      scope: this.scope,
      period: this.period,
      byokRequests: this.byokRequests,
      freeRequests: this.freeRequests,
      billableRequests: this.billableRequests,
      byokCostUsd: new Money(this.byokCostUnits, COST_SCALE).normalize(),
      feeUsd: new Money(this.feeUnits, FEE_SCALE).normalize(),
      platformRequests: this.platformRequests,
      platformCostUsd: new Money(this.platformCostUnits, COST_SCALE).normalize(),
      failedRequests: this.failedRequests,
      totalUsd: new Money(this.feeUnits + this.listChargeUnits * pow10(FEE_SCALE - COST_SCALE), FEE_SCALE).normalize(),
    };
  }
}
