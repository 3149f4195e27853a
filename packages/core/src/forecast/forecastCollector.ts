import { InvalidMoneyError } from '../errors.js';
import { compareUtf8 } from '../ledger/compareUtf8.js';
import type { AllowanceStatus } from '../ledger/decision.js';
import type { Money } from '../money/money.js';
// Costs are summed in units of 10^-12 dollars and fees of 10^-24 (the ledgers' scales): exact, and no fraction per record.
import { COST_SCALE, FEE_SCALE } from '../ledger/lineAccumulator.js';
import { parseDecimal } from '../money/parseDecimal.js';
import type { Instant } from '../time/instant.js';
import { type HourSlot, slotIndexOf } from './hourProfile.js';
import type { ScopeMonthSoFar } from './projectScope.js';
import { Ratio } from './ratio.js';


/**
 * What the forecast reads of a decision: a stored `DecisionRecord`'s fields, with the instant
 * and amounts either as a record writes them (text) or as a replay's `Decision` has them.
 */
export interface ForecastDecision {
  readonly requestId: string;
  readonly scope: string;
  readonly period: string;
  readonly instant: Instant;
  readonly counted: boolean;
  readonly status: AllowanceStatus;
  /** List cost (≤ 12 fractional digits) and fee charged (≤ 24), in dollars. */
  readonly costUsd: Money | string;
  readonly feeUsd: Money | string;
}

/**
 * Sums one scope's decisions of the month so far into what the forecast needs (a count per
 * hour, the list cost, the fees, the first billable request), one decision at a time, so
 * the decisions themselves are never held.
 */
export class ScopeMonthCollector {
  private readonly slotCounts: number[];
  private count = 0n;
  private costUnits = 0n;
  private feeUnits = 0n;
  private crossing: { requestId: string; instant: Instant; ns: bigint } | undefined;

  constructor(private readonly slots: readonly HourSlot[]) {
    this.slotCounts = new Array<number>(slots.length).fill(0);
  }

  /** One decision of the scope-month at `ns` (nanoseconds, ≤ as-of). */
  add(d: ForecastDecision, ns: bigint): void {
    this.feeUnits += unitsOf(d.feeUsd, FEE_SCALE);
    if (!d.counted) return;
    this.count++;
    this.slotCounts[slotIndexOf(this.slots, ns)]!++;
    this.costUnits += unitsOf(d.costUsd, COST_SCALE);
    if (d.status === 'billable') {
      const c = this.crossing;
      // Allowance order (POLICY.md D1): by instant, then request_id in UTF-8 byte order.
      if (c === undefined || ns < c.ns || (ns === c.ns && compareUtf8(d.requestId, c.requestId) < 0)) {
        this.crossing = { requestId: d.requestId, instant: d.instant, ns };
      }
    }
  }

  finish(): ScopeMonthSoFar {
    const c = this.crossing;
    return {
      slotCounts: this.slotCounts,
      count: this.count,
      listUsd: new Ratio(this.costUnits, 10n ** BigInt(COST_SCALE)),
      feesUsd: new Ratio(this.feeUnits, 10n ** BigInt(FEE_SCALE)),
      crossing: c === undefined ? undefined : { requestId: c.requestId, instant: c.instant },
    };
  }
}

/** An amount in units of 10^-digits: a Money (a replay's decision) or a stored decimal (≤ 24 fractional digits). */
function unitsOf(amount: Money | string, digits: number): bigint {
  if (typeof amount !== 'string') return amount.units * 10n ** BigInt(digits - amount.scale);
  const text = amount;
  if (text === '0') return 0n;
  const parsed = parseDecimal(text, { maxFractionDigits: digits, allowNegative: false });
  if (typeof parsed === 'string') throw new InvalidMoneyError(`byok-billing: stored amount ${JSON.stringify(text)}: ${parsed}`);
  return parsed.units * 10n ** BigInt(digits - parsed.scale);
}
