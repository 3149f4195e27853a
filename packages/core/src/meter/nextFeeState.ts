import type { FeeState } from '../ledger/decideRequest.js';
import type { Decision } from '../ledger/decision.js';
import { COST_SCALE, FEE_SCALE, unitsAt } from '../ledger/lineAccumulator.js';

/**
 * A scope-month's fee state after a decision of a pricing-language placement, advanced as
 * the record ledger's line advances it (`LineAccumulator.addTiered`), so that the meter and
 * a batch bill price the same requests alike: a counted request adds its list cost to
 * what `list-usd` tiers count, and its exact fee to what the cap counts.
 *
 * @example
 * nextFeeState({ listUsdSoFar: 0n, feesSoFar: 0n }, decision) // a counted $2 request paying $0.1
 * //=> { listUsdSoFar: 2_000_000_000_000n, feesSoFar: 100_000_000_000_000_000_000_000n }
 */
export function nextFeeState(before: FeeState, decision: Decision): FeeState {
  const listUsdSoFar = decision.ordinal === null ? before.listUsdSoFar : before.listUsdSoFar + unitsAt(decision.request.cost, COST_SCALE);
  const fee = decision.fee.isZero() ? 0n : unitsAt(decision.fee, FEE_SCALE);
  return { listUsdSoFar, feesSoFar: before.feesSoFar + fee };
}
