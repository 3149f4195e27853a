import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS } from '../money/rate.js';
import { Money, pow10 } from '../money/money.js';
import type { FailoverMode } from '../routing/routeTypes.js';
import type { PolicyVersion } from '../policy/policyTypes.js';
import type { BillLine } from './billLine.js';
import type { Decision } from './decision.js';
import type { Placement } from './decideRequest.js';

/** Costs are summed as integers at the finest scale a cost can have. */
export const COST_SCALE = MAX_MONEY_FRACTION_DIGITS;
/** Fees (cost × rate) are summed at the finest scale a fee can have. */
export const FEE_SCALE = MAX_MONEY_FRACTION_DIGITS + MAX_RATE_FRACTION_DIGITS;

/** `amount` as integer units at `scale` (which is never finer than the amount allows). */
export function unitsAt(amount: Money, scale: number): bigint {
  return amount.scale === scale ? amount.units : amount.units * pow10(scale - amount.scale);
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

  readonly scope: string;
  readonly period: string;
  readonly version: PolicyVersion;
  readonly allowance: number;
  readonly failoverMode: FailoverMode;

  constructor(placement: Placement) {
    this.scope = placement.scope;
    this.period = placement.period;
    this.version = placement.version;
    this.allowance = placement.allowance;
    this.failoverMode = placement.failoverMode;
  }

  /** Adds one decision of this line's scope and period to the sums. */
  apply(decision: Decision): void {
    this.applyAmounts(decision, decision.request.cost);
  }

  /** Adds a decided request given by its outcome and amounts (a stored decision record). */
  applyAmounts(decision: Pick<Decision, 'ordinal' | 'chargeKind' | 'route' | 'status' | 'fee'>, cost: Money): void {
    if (decision.ordinal !== null && decision.ordinal > this.counted) this.counted = decision.ordinal;
    const costUnits = unitsAt(cost, COST_SCALE);
    switch (decision.chargeKind) {
      case 'fee':
        this.feeUnits += unitsAt(decision.fee, FEE_SCALE);
        break;
      case 'list':
        this.listChargeUnits += costUnits;
        break;
      case 'none':
        break;
      default: {
        const unknown: never = decision.chargeKind;
        throw new Error(`unhandled charge kind ${String(unknown)}`);
      }
    }
    switch (decision.route) {
      case 'byok':
        this.byokRequests++;
        this.byokCostUnits += costUnits;
        if (decision.status === 'free') this.freeRequests++;
        else this.billableRequests++;
        break;
      case 'platform':
        this.platformRequests++;
        this.platformCostUnits += costUnits;
        break;
      case 'failed':
        this.failedRequests++;
        break;
      default: {
        const unknown: never = decision.route;
        throw new Error(`unhandled route ${String(unknown)}`);
      }
    }
  }

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
