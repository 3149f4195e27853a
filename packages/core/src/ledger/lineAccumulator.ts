import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS } from '../money/rate.js';
import { Money, pow10 } from '../money/money.js';
import type { FailoverMode } from '../routing/routeTypes.js';
import type { PolicyVersion } from '../policy/policyTypes.js';
import { CHARGE_FEE, CHARGE_LIST, CHARGE_NONE, ROUTE_BYOK, ROUTE_PLATFORM } from '../kernel/codes.js';
import type { DecisionTerms } from '../kernel/decisionTerms.js';
import type { BillLine } from './billLine.js';
import type { PlacedFees } from './tieredFee.js';
import { UnitSum } from './unitSum.js';

/** Costs are summed as integers at the finest scale a cost can have. */
export const COST_SCALE = MAX_MONEY_FRACTION_DIGITS;
/** Fees (cost × rate) are summed at the finest scale a fee can have. */
export const FEE_SCALE = MAX_MONEY_FRACTION_DIGITS + MAX_RATE_FRACTION_DIGITS;

/** `amount` as integer units at `scale` (which is never finer than the amount allows). */
export function unitsAt(amount: Money, scale: number): bigint {
  return amount.scale === scale ? amount.units : amount.units * pow10(scale - amount.scale);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The running sums of one bill line: the one accumulator every ledger, the meter's bill
 * and the what-if variants sum into. Money is summed as integer units of 10^-12 dollars
 * (numbers carried into bigints before they could lose a digit), so a sum is exact in
 * any order and never allocates per request. Fees are never summed per request: a line's
 * fee is its rate times the exact sum of the costs that pay it.
 */
export class LineAccumulator {
  byokRequests = 0;
  freeRequests = 0;
  billableRequests = 0;
  platformRequests = 0;
  failedRequests = 0;
  /** Requests counted toward the allowance so far: the last ordinal given. */
  counted = 0;
  readonly byokCost = new UnitSum();
  /** List costs of requests charged the fee. */
  readonly feeBase = new UnitSum();
  readonly platformCost = new UnitSum();
  /** List costs charged as such (platform credits). */
  readonly listCharge = new UnitSum();
  /** List costs of failed requests (what-if variants that share these decisions may charge them). */
  readonly failedCost = new UnitSum();
  /** Fees of stored decisions, summed as the store recorded them (units of 10^-FEE_SCALE). */
  recordedFeeUnits = 0n;
  /**
   * Lines with `fees` (the pricing language): the cumulative list cost of the counted
   * requests (units of 10^-COST_SCALE; what `list-usd` tiers count) and the fees paid, each
   * request's exact fee added (units of 10^-FEE_SCALE; what the cap counts).
   */
  listUsdCounted = 0n;
  tieredFeeUnits = 0n;

  constructor(
    readonly scope: string,
    readonly period: string,
    readonly terms: DecisionTerms,
    readonly allowance: number,
    /** The scope's fee terms in the pricing language, or absent for the shorthand (a line's fee: rate × fee-paying costs). */
    readonly fees?: PlacedFees | undefined,
  ) {}

  get version(): PolicyVersion {
    return this.terms.version;
  }

  get failoverMode(): FailoverMode {
    return this.terms.failoverMode;
  }

  /**
   * Adds one decided request given by the kernel's codes. `cost` is the list cost in units
   * of 10^-12 dollars when that is a safe integer; otherwise pass it exactly as `costBig`.
   */
  add(route: number, chargeKind: number, ordinal: number, within: boolean, cost: number, costBig: bigint | undefined): void {
    if (ordinal > this.counted) this.counted = ordinal;
    if (costBig === undefined) {
      if (chargeKind === CHARGE_FEE) this.feeBase.add(cost);
      else if (chargeKind === CHARGE_LIST) this.listCharge.add(cost);
      if (route === ROUTE_BYOK) this.byokCost.add(cost);
      else if (route === ROUTE_PLATFORM) this.platformCost.add(cost);
      else this.failedCost.add(cost);
    } else {
      if (chargeKind === CHARGE_FEE) this.feeBase.addBig(costBig);
      else if (chargeKind === CHARGE_LIST) this.listCharge.addBig(costBig);
      if (route === ROUTE_BYOK) this.byokCost.addBig(costBig);
      else if (route === ROUTE_PLATFORM) this.platformCost.addBig(costBig);
      else this.failedCost.addBig(costBig);
    }
    if (route === ROUTE_BYOK) {
      this.byokRequests++;
      if (within) this.freeRequests++;
      else this.billableRequests++;
    } else if (route === ROUTE_PLATFORM) {
      this.platformRequests++;
    } else {
      this.failedRequests++;
    }
  }

  /**
   * Adds a stored decision (the meter's records) as the store holds it: its fee is taken
   * as recorded, not recomputed, so a bill of the store shows what was charged.
   */
  addRecorded(route: number, chargeKind: number, ordinal: number, within: boolean, cost: Money, fee: Money): void {
    // A fee is summed as recorded, so its cost goes in as one that pays nothing.
    this.add(route, chargeKind === CHARGE_FEE ? CHARGE_NONE : chargeKind, ordinal, within, ...splitUnits(unitsAt(cost, COST_SCALE)));
    if (chargeKind === CHARGE_FEE) this.recordedFeeUnits += unitsAt(fee, FEE_SCALE);
  }

  /**
   * Adds a request decided under `fees` (the pricing language): its cost sums as a request
   * that pays nothing by rate (`feeBase` is the shorthand's), and its exact fee, `feeUnits`
   * (10^-FEE_SCALE), is added as it is; a counted request moves the list-usd counter.
   */
  addTiered(route: number, chargeKind: number, ordinal: number, free: boolean, costUnits: bigint, feeUnits: bigint): void {
    this.add(route, chargeKind === CHARGE_FEE ? CHARGE_NONE : chargeKind, ordinal, free, ...splitUnits(costUnits));
    if (ordinal > 0) this.listUsdCounted += costUnits;
    this.tieredFeeUnits += feeUnits;
  }

  /** The line's fee in units of 10^-FEE_SCALE dollars: the rate times the costs that pay it (plus fees added as such). */
  feeUnits(): bigint {
    const rate = this.terms.version.parameters.feeRate;
    return this.feeBase.total() * rate.units * pow10(FEE_SCALE - COST_SCALE - rate.scale) + this.recordedFeeUnits + this.tieredFeeUnits;
  }

  toBillLine(): BillLine {
    const feeUnits = this.feeUnits();
    return {
      scope: this.scope,
      period: this.period,
      byokRequests: this.byokRequests,
      freeRequests: this.freeRequests,
      billableRequests: this.billableRequests,
      byokCostUsd: new Money(this.byokCost.total(), COST_SCALE).normalize(),
      feeUsd: new Money(feeUnits, FEE_SCALE).normalize(),
      platformRequests: this.platformRequests,
      platformCostUsd: new Money(this.platformCost.total(), COST_SCALE).normalize(),
      failedRequests: this.failedRequests,
      totalUsd: new Money(feeUnits + this.listCharge.total() * pow10(FEE_SCALE - COST_SCALE), FEE_SCALE).normalize(),
    };
  }
}

/** Cost units as the accumulator takes them: a safe integer, or the exact bigint beside NaN. */
export function splitUnits(units: bigint): [number, bigint | undefined] {
  return units <= MAX_SAFE ? [Number(units), undefined] : [Number.NaN, units];
}
